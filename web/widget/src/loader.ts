// The widget's loader: the one script a customer's page embeds. Built in the widget's own issue.
export {};

// The widget's words in English and Russian, chosen from the page's <html lang> or the browser's.

const en = {
  title: "Chat with us",
  close: "Close chat",
  greeting: "Hello! Ask us anything: we usually answer within a few minutes.",
  introduce: "Introduce yourself (optional)",
  name: "Name",
  email: "Email",
  phone: "Phone",
  badEmail: "Please check the email: it does not look like an address.",
  badPhone: "Please check the phone: digits, spaces and + - ( ), at least 5 digits.",
  badDetails: "Please check the details you entered.",
  start: "Start chat",
  placeholder: "Write a message…",
  send: "Send",
  typing: "{name} is typing…",
  someoneTyping: "The operator is typing…",
  operator: "Operator",
  you: "You",
  queued: "Sending…",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Not sent",
  retry: "Retry",
  offline: "Offline: your messages will be sent when the connection is back.",
  refused: "The chat is not available on this site.",
  messages: "Messages",
};

export type Words = typeof en;

const ru: Words = {
  title: "Чат с нами",
  close: "Закрыть чат",
  greeting: "Здравствуйте! Спросите нас о чём угодно: обычно мы отвечаем за несколько минут.",
  introduce: "Представьтесь (необязательно)",
  name: "Имя",
  email: "Эл. почта",
  phone: "Телефон",
  badEmail: "Проверьте эл. почту: это не похоже на адрес.",
  badPhone: "Проверьте телефон: цифры, пробелы и + - ( ), не меньше 5 цифр.",
  badDetails: "Проверьте введённые данные.",
  start: "Начать чат",
  placeholder: "Напишите сообщение…",
  send: "Отправить",
  typing: "{name} печатает…",
  someoneTyping: "Оператор печатает…",
  operator: "Оператор",
  you: "Вы",
  queued: "Отправляется…",
  sent: "Отправлено",
  delivered: "Доставлено",
  read: "Прочитано",
  failed: "Не отправлено",
  retry: "Повторить",
  offline: "Нет связи: сообщения уйдут, когда она вернётся.",
  refused: "Чат недоступен на этом сайте.",
  messages: "Сообщения",
};

export function words(lang: string): Words {
  return /^ru\b/i.test(lang) ? ru : en;
}

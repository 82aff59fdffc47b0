// My quick replies, kept on the server per operator (`/api/quick-replies`): they follow me to any browser.

import { signal, type Signal } from "@preact/signals";
import type { Api } from "../api";
import type { QuickReply } from "../state/compose";

export class QuickRepliesStore {
  readonly replies = signal<QuickReply[]>([]);

  constructor(
    private readonly api: Pick<Api, "addQuickReply" | "deleteQuickReply">,
    private readonly notice: Signal<string | null>,
  ) {}

  async save(title: string, text: string): Promise<boolean> {
    try {
      const saved = await this.api.addQuickReply(title, text);
      this.replies.value = [...this.replies.value, saved];
      return true;
    } catch (e) {
      this.notice.value = `Could not save the quick reply: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.deleteQuickReply(id);
      this.replies.value = this.replies.value.filter((q) => q.id !== id);
    } catch (e) {
      this.notice.value = `Could not delete the quick reply: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}

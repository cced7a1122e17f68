/** The outcome of the last action, announced to screen readers (a live region). */
import type { ActionResult } from "./api.ts";

export type NoticeState = ActionResult & { readonly at: number };

export function Notice({ notice }: { notice: NoticeState | undefined }) {
  return (
    <div class="notice-region" role="status" aria-live="polite">
      {notice && (
        <p key={notice.at} class={`notice ${notice.ok ? "ok" : "bad"}`}>{notice.message}</p>
      )}
    </div>
  );
}

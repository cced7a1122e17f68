/**
 * The upstream guard (src/lib/upstream-guard.ts) with a scripted fetch: what every upstream
 * request carries, how an answer from this very Nexus is refused, and how the first request to
 * a new origin goes alone.
 */
import { describe, expect, test } from "bun:test";
import { INSTANCE_HEADER, SelfLoopError, VIA_HEADER } from "../../../src/lib/loop.ts";
import { ResponseTooLargeError, UpstreamGuard } from "../../../src/lib/upstream-guard.ts";

interface Call {
  readonly url: string;
  readonly init: RequestInit;
  answer(response: Response): void;
}

function scripted() {
  const calls: Call[] = [];
  const fetch = (url: string, init: RequestInit) =>
    new Promise<Response>((resolve) => calls.push({ url, init, answer: resolve }));
  return { calls, fetch };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("UpstreamGuard", () => {
  test("every request: redirect manual and X-Nexus-Via; a Via already set is kept", async () => {
    const { calls, fetch } = scripted();
    const guard = new UpstreamGuard({ instanceId: "me" });
    const guarded = guard.guarded(fetch);
    const first = guarded("http://a:1/x", { method: "GET" });
    await settle();
    expect(calls[0]!.init.redirect).toBe("manual");
    expect(new Headers(calls[0]!.init.headers).get(VIA_HEADER)).toBe("me");
    calls[0]!.answer(new Response("ok"));
    await first;
    const second = guarded("http://a:1/y", { headers: { [VIA_HEADER]: "client, me" } });
    await settle();
    expect(new Headers(calls[1]!.init.headers).get(VIA_HEADER)).toBe("client, me");
    calls[1]!.answer(new Response("ok"));
    await second;
  });

  test("an answer carrying our id: SelfLoopError, onSelf once, nothing sent there again", async () => {
    const { calls, fetch } = scripted();
    const selves: string[] = [];
    const guard = new UpstreamGuard({ instanceId: "me", onSelf: (o) => selves.push(o) });
    const guarded = guard.guarded(fetch);
    const first = guarded("http://self:8000/v1/models", {});
    await settle();
    calls[0]!.answer(new Response("{}", { headers: { [INSTANCE_HEADER]: "me" } }));
    await expect(first).rejects.toBeInstanceOf(SelfLoopError);
    await expect(guarded("http://self:8000/api/tags", {})).rejects.toBeInstanceOf(
      SelfLoopError,
    );
    expect(calls.length).toBe(1);
    expect(selves).toEqual(["http://self:8000"]);
    expect(guard.isSelf("http://self:8000/anything")).toBe(true);
    expect(guard.isSelf("http://other:8000")).toBe(false);
  });

  test("the first request to a new origin goes alone; the others wait for its answer", async () => {
    const { calls, fetch } = scripted();
    const guarded = new UpstreamGuard({ instanceId: "me" }).guarded(fetch);
    const all = ["/a", "/b", "/c"].map((path) => guarded(`http://new:1${path}`, {}));
    await settle();
    expect(calls.length).toBe(1);
    calls[0]!.answer(new Response("ok", { headers: { [INSTANCE_HEADER]: "someone-else" } }));
    await settle();
    expect(calls.length).toBe(3);
    calls[1]!.answer(new Response("ok"));
    calls[2]!.answer(new Response("ok"));
    expect((await Promise.all(all)).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test("...and are never sent when the first answer says it is this Nexus", async () => {
    const { calls, fetch } = scripted();
    const guarded = new UpstreamGuard({ instanceId: "me" }).guarded(fetch);
    const all = ["/a", "/b", "/c"].map((path) =>
      guarded(`http://self:1${path}`, {}).then(() => "sent", (e) => e.name)
    );
    await settle();
    calls[0]!.answer(new Response("", { headers: { [INSTANCE_HEADER]: "me" } }));
    expect(await Promise.all(all)).toEqual(["SelfLoopError", "SelfLoopError", "SelfLoopError"]);
    expect(calls.length).toBe(1);
  });

  test("guarded(fetch, cap): a body past the cap errors; a declared length past it fails at once", async () => {
    const guard = new UpstreamGuard({ instanceId: "me" });
    const fetch = (url: string) =>
      Promise.resolve(
        url.endsWith("/declared")
          ? new Response("x".repeat(100), { headers: { "content-length": "100" } })
          : new Response(new Blob(["x".repeat(100)]).stream()),
      );
    const capped = guard.guarded(fetch, 50);
    await expect(capped("http://b:1/declared", {})).rejects.toBeInstanceOf(ResponseTooLargeError);
    const streamed = await capped("http://b:1/streamed", {});
    await expect(streamed.text()).rejects.toThrow("larger than the limit of 50 bytes");
    expect(await (await guard.guarded(fetch, 100)("http://b:1/streamed", {})).text()).toHaveLength(
      100,
    );
  });
});

import { describe, expect, test } from "bun:test";
import { RequestScope } from "../../../src/proxy/request-scope.ts";

describe("RequestScope", () => {
  test("ends once, with the first reason, and tells its listeners once", () => {
    const scope = new RequestScope();
    const heard: string[] = [];
    const removed = () => heard.push("removed");
    scope.addEventListener("abort", () => heard.push("first"));
    scope.addEventListener("abort", removed);
    scope.removeEventListener("abort", removed);
    expect(scope.aborted).toBe(false);
    expect(scope.end("gone")).toBe(true);
    expect(scope.end("later")).toBe(false);
    expect([scope.aborted, scope.reason]).toEqual([true, "gone"]);
    expect(heard).toEqual(["first"]);
    // A listener added after the end is never called (an AbortSignal's event has fired too).
    scope.addEventListener("abort", () => heard.push("late"));
    scope.end("again");
    expect(heard).toEqual(["first"]);
  });
});

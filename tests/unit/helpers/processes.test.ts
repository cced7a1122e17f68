/**
 * The process helper every real-process test, the soak script and the benchmark build on:
 * exit codes and output, input as a file, ready lines, failures that name what went wrong.
 */
import { describe, expect, test } from "bun:test";
import { runCommand, startProcess } from "../../helpers/processes.ts";

describe("runCommand", () => {
  test("returns the exit code and both streams, separately and interleaved", async () => {
    const result = await runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    expect(result).toEqual({ code: 3, stdout: "out\n", stderr: "err\n", output: "out\nerr\n" });
  });

  test("gives the input as a regular file on stdin, as `< file` would", async () => {
    const result = await runCommand("sh", ["-c", "test -f /dev/stdin && cat"], {
      input: "line one\nline two\n",
    });
    expect(result.stdout).toBe("line one\nline two\n");
    expect(result.code).toBe(0);
  });

  test("adds and removes environment variables", async () => {
    const result = await runCommand("sh", ["-c", 'echo "${ADDED}-${HOME:-unset}"'], {
      env: { ADDED: "yes", HOME: undefined },
    });
    expect(result.stdout).toBe("yes-unset\n");
  });

  test("rejects naming the command when it cannot be started", async () => {
    await expect(runCommand("nexus-no-such-command", [])).rejects.toThrow(
      "Cannot run nexus-no-such-command",
    );
  });
});

describe("startProcess", () => {
  test("resolves on the ready line, never on half of it, and stop returns the exit code", async () => {
    const proc = await startProcess(
      "sh",
      ["-c", "printf 'listening http://127.0.0.1:4'; sleep 0.2; echo 1234; exec sleep 30"],
      { ready: /listening (http:\/\/\S+)/, what: "the fake server" },
    );
    expect(proc.ready[1]).toBe("http://127.0.0.1:41234");
    expect(await proc.stop("SIGTERM")).toBeNull();
  });

  test("rejects with what it was and its output when it exits before ready", async () => {
    await expect(
      startProcess("sh", ["-c", "echo starting; exit 1"], {
        ready: /listening/,
        what: "the fake server",
      }),
    ).rejects.toThrow(/the fake server: the process exited first:\nstarting/);
  });

  test("waits for later output, and reports a timeout with the output so far", async () => {
    const proc = await startProcess("sh", [
      "-c",
      "echo ready; sleep 0.1; echo later; exec sleep 30",
    ], {
      ready: /^ready$/m,
      what: "the fake daemon",
    });
    try {
      expect((await proc.waitFor(/^later$/m, "the later line"))[0]).toBe("later");
      await expect(proc.waitFor(/never/, "a line that never comes", 50)).rejects.toThrow(
        "Timed out waiting for a line that never comes:\nready\nlater\n",
      );
    } finally {
      await proc.stop("SIGKILL");
    }
  });
});

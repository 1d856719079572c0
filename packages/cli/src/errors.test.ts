import { DataError } from "@kdet/data";
import { describe, expect, it } from "vitest";
import { asCliError, CliError, EXIT_CODES, UsageError } from "./errors";

describe("asCliError", () => {
  it("keeps CliErrors (with their exit status) and turns the libraries' input errors into exit-1 errors", () => {
    const usage = new UsageError("--x: bad");
    expect(asCliError(usage)).toBe(usage);
    expect(asCliError(usage)!.exitCode).toBe(EXIT_CODES.usage);
    const data = new DataError({ op: "decode image", file: "a.jpg" }, "could not decode");
    const c = asCliError(data)!;
    expect(c).toBeInstanceOf(CliError);
    expect(c.exitCode).toBe(EXIT_CODES.error);
    expect(c.message).toBe("decode image: a.jpg: could not decode");
    // matched by class name, also for classes that do not set `name`
    class TeacherCacheError extends Error {}
    expect(asCliError(new TeacherCacheError("cache: bad manifest"))?.message).toBe("cache: bad manifest");
  });

  it("leaves programming errors alone (they are internal errors, exit 70)", () => {
    expect(asCliError(new TypeError("x is undefined"))).toBeUndefined();
    expect(asCliError(new Error("plain"))).toBeUndefined();
    expect(asCliError("a string")).toBeUndefined();
    expect(EXIT_CODES.internal).toBe(70);
  });
});

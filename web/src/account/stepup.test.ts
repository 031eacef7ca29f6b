import { describe, expect, it, vi } from "vitest";
import { ApiProblem } from "../api/problem";
import { runWithStepUp, stepUpReason } from "./stepup";

const refusal = (code: "mfa_required" | "totp_required" | "forbidden") =>
  new ApiProblem({ status: 403, code });

describe("step-up", () => {
  it("knows the refusals a second factor lifts", () => {
    expect(stepUpReason(refusal("mfa_required"))).toBe("mfa_required");
    expect(stepUpReason(refusal("totp_required"))).toBe("totp_required");
    expect(stepUpReason(refusal("forbidden"))).toBeNull();
    expect(stepUpReason(new Error("x"))).toBeNull();
  });

  it("repeats the refused call once the code is verified", async () => {
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(refusal("mfa_required"))
      .mockResolvedValueOnce("done");
    const ask = vi.fn(() => Promise.resolve(true));
    await expect(runWithStepUp(call, ask)).resolves.toBe("done");
    expect(ask).toHaveBeenCalledWith("mfa_required");
    expect(call).toHaveBeenCalledTimes(2);
  });

  it("throws the refusal when the person cancels", async () => {
    const problem = refusal("totp_required");
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(problem);
    await expect(runWithStepUp(call, () => Promise.resolve(false))).rejects.toBe(problem);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it("does not ask for other refusals, nor forever", async () => {
    const forbidden = refusal("forbidden");
    const ask = vi.fn(() => Promise.resolve(true));
    await expect(runWithStepUp(() => Promise.reject(forbidden), ask)).rejects.toBe(forbidden);
    expect(ask).not.toHaveBeenCalled();
    const always = vi.fn<() => Promise<string>>().mockRejectedValue(refusal("mfa_required"));
    await expect(runWithStepUp(always, ask)).rejects.toBeInstanceOf(ApiProblem);
    expect(always).toHaveBeenCalledTimes(3);
  });

  it("does not ask again for a refusal whose dialog the client already showed", async () => {
    const declined = new ApiProblem({ status: 403, code: "mfa_required", stepUpDeclined: true });
    const ask = vi.fn(() => Promise.resolve(true));
    await expect(runWithStepUp(() => Promise.reject(declined), ask)).rejects.toBe(declined);
    expect(ask).not.toHaveBeenCalled();
  });
});

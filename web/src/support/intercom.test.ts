import { describe, expect, it } from "vitest";
import { directiveSources, policyAllowsIntercom } from "./intercom";

const DEFAULT =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; " +
  "base-uri 'none'; form-action 'self'";

describe("the Intercom Messenger and the CSP", () => {
  it("is not loaded under the default policy", () => {
    expect(policyAllowsIntercom(DEFAULT)).toBe(false);
  });
  it("is loaded when the policy names Intercom's script sources", () => {
    const allowing = DEFAULT.replace(
      "script-src 'self'",
      "script-src 'self' https://app.intercom.io https://widget.intercom.io https://js.intercomcdn.com",
    );
    expect(policyAllowsIntercom(allowing)).toBe(true);
    expect(policyAllowsIntercom(`${allowing}, ${DEFAULT}`)).toBe(false);
  });
  it("reads default-src when script-src is absent", () => {
    expect(directiveSources("default-src 'self'", "script-src")).toEqual(["'self'"]);
    expect(policyAllowsIntercom("default-src 'self'")).toBe(false);
    expect(policyAllowsIntercom("img-src 'self'")).toBe(true);
    expect(policyAllowsIntercom(null)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { directiveSources, policyAllowsIntercom, settingsFor } from "./intercom";

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

describe("the Messenger's settings", () => {
  const config = {
    enabled: true,
    app_id: "abc123",
    api_base: null,
    user_id: null,
    email: null,
    name: null,
    user_hash: null,
  };
  it("name the workspace's region when it is not the US one", () => {
    const eu = settingsFor({ ...config, api_base: "https://api-iam.eu.intercom.io" });
    expect(eu.api_base).toBe("https://api-iam.eu.intercom.io");
    expect(settingsFor(config)).not.toHaveProperty("api_base");
  });
  it("identify a signed-in user with the server's hash only", () => {
    const signedIn = settingsFor({ ...config, user_id: "u1", user_hash: "h", email: "a@b.se" });
    expect(signedIn).toMatchObject({ user_id: "u1", user_hash: "h", email: "a@b.se" });
    expect(settingsFor(config)).not.toHaveProperty("user_id");
  });
});

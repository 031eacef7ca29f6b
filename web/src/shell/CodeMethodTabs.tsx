// The code step shared by sign-in (screens/OtpStep.tsx) and the step-up dialog
// (account/stepup.tsx): a tab per method the API offers (e-mail code, authenticator,
// recovery code), each with its code field; `actions` adds the buttons of each.
import { Stack, Tabs, Text, TextInput } from "@mantine/core";
import type { ReactNode, SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import type { components } from "../api/schema";
import { fieldError } from "./forms";

export type CodeMethod = components["schemas"]["Challenge"]["methods"][number];

export function CodeMethodTabs({
  methods,
  method,
  onMethodChange,
  code,
  onCodeChange,
  onSubmit,
  error,
  actions,
  autoFocus = false,
}: {
  methods: readonly CodeMethod[];
  method: CodeMethod | null;
  /** Another tab chosen: the caller clears the code and the last refusal. */
  onMethodChange: (method: CodeMethod) => void;
  code: string;
  onCodeChange: (code: string) => void;
  onSubmit: (event: SyntheticEvent<HTMLFormElement>) => void;
  /** The last refusal of the verification, whose `code` field error shows beside it. */
  error: unknown;
  actions: (method: CodeMethod) => ReactNode;
  /** Focus the code field when shown (in a dialog). */
  autoFocus?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Tabs
      value={method}
      onChange={(value) => {
        const next = methods.find((each) => each === value);
        if (next) onMethodChange(next);
      }}
    >
      <Tabs.List aria-label={t("otp.methods")}>
        {methods.map((each) => (
          <Tabs.Tab key={each} value={each}>
            {t(`otp.method.${each}`)}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {methods.map((each) => (
        <Tabs.Panel key={each} value={each} pt="md">
          {each === method && (
            <form onSubmit={onSubmit}>
              <Stack>
                {each === "email" && <Text>{t("otp.emailSent")}</Text>}
                <TextInput
                  label={t(`otp.code.${each}`)}
                  autoComplete="one-time-code"
                  inputMode={each === "recovery" ? "text" : "numeric"}
                  required
                  data-autofocus={autoFocus || undefined}
                  value={code}
                  onChange={(event) => {
                    onCodeChange(event.currentTarget.value);
                  }}
                  error={fieldError(error, "code")}
                />
                {actions(each)}
              </Stack>
            </form>
          )}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

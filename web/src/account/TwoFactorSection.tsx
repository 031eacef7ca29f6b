// Two-factor: e-mail codes at sign-in on or off, the authenticator app (set up with a
// QR code drawn here, removed with the password and a code), and recovery codes. Each
// change needs a session that passed a second factor: useStepUp asks for one and
// repeats the change. Every change ends the account's other sessions (the API does).
import {
  Alert,
  Button,
  Divider,
  Group,
  Loader,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ProblemAlert } from "../shell/ProblemAlert";
import { ApiPasswordInput, CodeInput } from "../shell/fields";
import { wrongPassword } from "./PasswordSection";
import { QrCode } from "./QrCode";
import { RecoveryCodesShown } from "./RecoveryCodes";
import { useStepUp } from "./stepup";

type MfaStatus = components["schemas"]["MfaStatus"];
export const MFA_KEY = ["account", "mfa"] as const;

export function TwoFactorSection() {
  const { t } = useTranslation();
  const mfa = useQuery({ queryKey: MFA_KEY, queryFn: () => unwrap(api.GET("/auth/mfa")) });
  const [codes, setCodes] = useState<string[] | null>(null);
  if (codes !== null) return <RecoveryCodesShown codes={codes} onDone={() => { setCodes(null); }} />;
  if (mfa.isPending) return <Loader aria-label={t("common.loading")} role="status" />;
  if (mfa.isError) return <ProblemAlert error={mfa.error} />;
  return (
    <Stack className="account-form">
      <Title order={2}>{t("account.mfa.title")}</Title>
      <Text>{t("account.mfa.intro")}</Text>
      <EmailCodes status={mfa.data} />
      <Divider />
      <Authenticator status={mfa.data} onCodes={setCodes} />
      {mfa.data.totp && (
        <>
          <Divider />
          <RecoveryCodes status={mfa.data} onCodes={setCodes} />
        </>
      )}
    </Stack>
  );
}

function OnOff({ on }: { on: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={on ? "mfa-state mfa-state-on" : "mfa-state mfa-state-off"}>
      {on ? t("account.mfa.on") : t("account.mfa.off")}
    </span>
  );
}

function EmailCodes({ status }: { status: MfaStatus }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stepUp = useStepUp();
  const [password, setPassword] = useState("");
  const set = useMutation({
    mutationFn: (enabled: boolean) =>
      stepUp(() => unwrap(api.PUT("/auth/mfa/email", { body: { enabled, password } }))),
    onSuccess: (next) => {
      setPassword("");
      queryClient.setQueryData(MFA_KEY, next);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    set.mutate(!status.email_otp);
  };
  const wrong = wrongPassword(set.error);
  return (
    <form onSubmit={submit} aria-labelledby="mfa-email-title">
      <Stack>
        <Group>
          <Title order={3} id="mfa-email-title">
            {t("account.mfa.email.title")}
          </Title>
          <OnOff on={status.email_otp} />
        </Group>
        <Text>{t("account.mfa.email.intro")}</Text>
        <ApiPasswordInput
          label={t("account.confirmPassword")}
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          refusal={set.error}
          field="password"
          error={wrong ? t("account.wrongPassword") : undefined}
        />
        {!wrong && <ProblemAlert error={set.error} />}
        {set.isSuccess && (
          <Alert color="green" variant="light" role="status">
            {status.email_otp ? t("account.mfa.email.turnedOn") : t("account.mfa.email.turnedOff")}{" "}
            {t("account.othersEnded")}
          </Alert>
        )}
        <Button type="submit" w="fit-content" loading={set.isPending}>
          {status.email_otp ? t("account.mfa.email.turnOff") : t("account.mfa.email.turnOn")}
        </Button>
      </Stack>
    </form>
  );
}

function Authenticator({ status, onCodes }: { status: MfaStatus; onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  return (
    <Stack aria-labelledby="mfa-totp-title" component="section">
      <Group>
        <Title order={3} id="mfa-totp-title">
          {t("account.mfa.totp.title")}
        </Title>
        <OnOff on={status.totp} />
      </Group>
      {status.totp ? <RemoveAuthenticator /> : <SetUpAuthenticator onCodes={onCodes} />}
    </Stack>
  );
}

function SetUpAuthenticator({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stepUp = useStepUp();
  const [code, setCode] = useState("");
  const setup = useMutation({
    mutationFn: () => stepUp(() => unwrap(api.POST("/auth/mfa/totp/setup"))),
  });
  const confirm = useMutation({
    mutationFn: () =>
      stepUp(() => unwrap(api.POST("/auth/mfa/totp/confirm", { body: { code: code.trim() } }))),
    onSuccess: (answer) => {
      void queryClient.invalidateQueries({ queryKey: MFA_KEY });
      void queryClient.invalidateQueries({ queryKey: ["account", "sessions"] });
      onCodes(answer.recovery_codes);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  if (!setup.data) {
    return (
      <Stack>
        <Text>{t("account.mfa.totp.intro")}</Text>
        <ProblemAlert error={setup.error} />
        <Button w="fit-content" loading={setup.isPending} onClick={() => { setup.mutate(); }}>
          {t("account.mfa.totp.setUp")}
        </Button>
      </Stack>
    );
  }
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text>{t("account.mfa.totp.scan")}</Text>
        <QrCode value={setup.data.otpauth_uri} label={t("account.mfa.totp.qrLabel")} />
        <TextInput
          label={t("account.mfa.totp.secret")}
          description={t("account.mfa.totp.secretHint")}
          readOnly
          value={setup.data.secret}
          className="secret-field"
        />
        <CodeInput
          label={t("account.mfa.totp.code")}
          value={code}
          onValue={setCode}
          refusal={confirm.error}
          field="code"
        />
        <ProblemAlert error={confirm.error} />
        <Button type="submit" w="fit-content" loading={confirm.isPending}>
          {t("account.mfa.totp.confirm")}
        </Button>
      </Stack>
    </form>
  );
}

function RemoveAuthenticator() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stepUp = useStepUp();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const remove = useMutation({
    mutationFn: () =>
      stepUp(() =>
        unwrap(api.DELETE("/auth/mfa/totp", { body: { password, code: code.trim() } })),
      ),
    onSuccess: () => {
      setPassword("");
      setCode("");
      void queryClient.invalidateQueries({ queryKey: MFA_KEY });
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    remove.mutate();
  };
  const wrong = wrongPassword(remove.error);
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text>{t("account.mfa.totp.removeIntro")}</Text>
        <ApiPasswordInput
          label={t("account.confirmPassword")}
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          refusal={remove.error}
          field="password"
          error={wrong ? t("account.wrongPassword") : undefined}
        />
        <CodeInput
          label={t("otp.code.totp")}
          value={code}
          onValue={setCode}
          refusal={remove.error}
          field="code"
        />
        {!wrong && <ProblemAlert error={remove.error} />}
        <Button type="submit" color="red" w="fit-content" loading={remove.isPending}>
          {t("account.mfa.totp.remove")}
        </Button>
      </Stack>
    </form>
  );
}

function RecoveryCodes({ status, onCodes }: { status: MfaStatus; onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stepUp = useStepUp();
  const [password, setPassword] = useState("");
  const renew = useMutation({
    mutationFn: () =>
      stepUp(() => unwrap(api.POST("/auth/mfa/recovery-codes", { body: { password } }))),
    onSuccess: (answer) => {
      setPassword("");
      void queryClient.invalidateQueries({ queryKey: MFA_KEY });
      void queryClient.invalidateQueries({ queryKey: ["account", "sessions"] });
      onCodes(answer.recovery_codes);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    renew.mutate();
  };
  const wrong = wrongPassword(renew.error);
  return (
    <form onSubmit={submit} aria-labelledby="mfa-recovery-title">
      <Stack>
        <Title order={3} id="mfa-recovery-title">
          {t("account.recovery.title")}
        </Title>
        <Text>{t("account.recovery.left", { count: status.recovery_codes_left })}</Text>
        <Text>{t("account.recovery.intro")}</Text>
        <ApiPasswordInput
          label={t("account.confirmPassword")}
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          refusal={renew.error}
          field="password"
          error={wrong ? t("account.wrongPassword") : undefined}
        />
        {!wrong && <ProblemAlert error={renew.error} />}
        <Button type="submit" w="fit-content" loading={renew.isPending}>
          {t("account.recovery.renew")}
        </Button>
      </Stack>
    </form>
  );
}

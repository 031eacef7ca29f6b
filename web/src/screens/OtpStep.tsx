// The second step of signing in: a tab per method the challenge offers.
import { Alert, Button, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import type { Authenticated } from "../api/session";
import { formatDateTime } from "../format";
import { ProblemAlert } from "../shell/ProblemAlert";
import { CodeMethodTabs } from "../shell/CodeMethodTabs";
import type { OtpChallenge } from "./SignIn";

type Method = OtpChallenge["methods"][number];

/** The server's wait between two e-mailed codes (auth/otp.py RESEND_COOLDOWN); a 429's
 * Retry-After corrects it. The sign-in answer does not say it. */
export const RESEND_COOLDOWN_SECONDS = 30;

function useCountdown(): [number, (seconds: number) => void] {
  const [until, setUntil] = useState<number>(0);
  const [now, setNow] = useState<number>(() => Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = window.setInterval(() => { setNow(Date.now()); }, 1000);
    return () => { window.clearInterval(timer); };
  }, [until, now]);
  const left = Math.max(0, Math.ceil((until - now) / 1000));
  return [left, (seconds) => {
    const start = Date.now();
    setNow(start);
    setUntil(start + seconds * 1000);
  }];
}

export function OtpStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: OtpChallenge;
  onSignedIn: (answer: Authenticated) => void;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const methods = challenge.methods;
  const [method, setMethod] = useState<Method>(methods[0] ?? "email");
  const [code, setCode] = useState("");
  const [cooldown, startCooldown] = useCountdown();
  const [resent, setResent] = useState(false);

  useEffect(() => {
    if (methods.includes("email")) startCooldown(RESEND_COOLDOWN_SECONDS);
    // once per challenge: the sign-in just sent a code
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [challenge.challenge_id]);

  const verify = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/auth/otp/verify", {
          body: { challenge_id: challenge.challenge_id, code: code.trim(), method },
        }),
      ),
    onSuccess: (answer) => {
      if (answer.status === "authenticated") onSignedIn(answer);
    },
  });
  const resend = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/auth/otp/resend", { body: { challenge_id: challenge.challenge_id } })),
    onSuccess: () => {
      setResent(true);
      startCooldown(RESEND_COOLDOWN_SECONDS);
    },
    onError: (error) => {
      setResent(false);
      if (error instanceof ApiProblem && error.retryAfter !== null) startCooldown(error.retryAfter);
    },
  });
  const expired = verify.error instanceof ApiProblem && verify.error.code === "challenge_expired";

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    verify.mutate();
  };

  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="otp-title">
      <Title order={1} id="otp-title">
        {t("otp.title")}
      </Title>
      <Text>{t("otp.intro")}</Text>
      <Text size="sm">{t("otp.expires", { time: formatDateTime(challenge.expires_at) })}</Text>
      <ProblemAlert error={verify.error} />
      {expired ? (
        <Button onClick={onRestart}>{t("otp.restart")}</Button>
      ) : (
        <CodeMethodTabs
          methods={methods}
          method={method}
          onMethodChange={(next) => {
            setMethod(next);
            setCode("");
            verify.reset();
          }}
          code={code}
          onCodeChange={setCode}
          onSubmit={submit}
          error={verify.error}
          actions={(each) => (
            <>
        <Button type="submit" loading={verify.isPending}>
          {t("otp.submit")}
        </Button>
        {each === "email" && (
          <Stack gap="xs">
            <Button
              variant="default"
              aria-describedby="resend-wait"
              disabled={cooldown > 0}
              loading={resend.isPending}
              onClick={() => { resend.mutate(); }}
            >
              {t("otp.resend")}
            </Button>
            <Text size="sm" id="resend-wait">
              {cooldown > 0 ? t("otp.resendIn", { count: cooldown }) : ""}
            </Text>
            {resent && (
              <Alert color="green" variant="light" role="status">
                {t("otp.resent")}
              </Alert>
            )}
            <ProblemAlert error={resend.error} />
          </Stack>
        )}
            </>
          )}
        />
      )}
    </Stack>
  );
}

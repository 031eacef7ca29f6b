// /invite#token=…: the page the invitation e-mail links to. The token is in the URL's
// fragment (never sent to a server, nor in logs); it is kept in this tab's
// sessionStorage so the invitee can sign up or sign in first and come back to /invite.
// POST /api/invitations/preview shows what the invitation is for, and signed in,
// POST /api/invitations/accept makes the caller a member.
import { Alert, Button, Group, List, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { useSession } from "../api/session";
import { formatDateTime } from "../format";
import { withQuery } from "../shell/forms";
import { Loading, Refusal, forgetInvitation, pendingInvitation, rememberInvitation, useT } from "./common";

function tokenFromAddress(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (token) {
    rememberInvitation(token);
    return token;
  }
  return pendingInvitation();
}

export function InviteScreen() {
  const { t } = useT();
  const [token] = useState(tokenFromAddress);
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const preview = useQuery({
    queryKey: ["invitation", token],
    enabled: token !== null,
    queryFn: () => unwrap(api.POST("/invitations/preview", { body: { token: token ?? "" } })),
  });
  const accept = useMutation({
    mutationFn: () => unwrap(api.POST("/invitations/accept", { body: { token: token ?? "" } })),
    onSuccess: (answer) => {
      forgetInvitation();
      void queryClient.invalidateQueries({ queryKey: ["projects"] });
      void queryClient.invalidateQueries({ queryKey: ["me", "invitations"] });
      void navigate(`/projects/${answer.project.id}`, { replace: true });
    },
  });
  const unknown = preview.error instanceof ApiProblem && preview.error.status === 404;
  useEffect(() => {
    if (unknown) forgetInvitation(); // used, revoked or expired: nothing to come back to
  }, [unknown]);
  const invitation = preview.data;
  const user = session.data?.user;
  const otherAddress =
    invitation !== undefined &&
    user !== undefined &&
    user.email.toLowerCase() !== invitation.email.toLowerCase();
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="invite-title">
      <Title order={1} id="invite-title">
        {t("invite.title")}
      </Title>
      {token === null && (
        <Alert color="yellow" variant="light" role="alert">
          {t("invite.noToken")}
        </Alert>
      )}
      {(preview.isLoading || session.isPending) && <Loading />}
      {unknown ? (
        <Alert color="red" variant="light" role="alert">
          {t("invite.unknown")}
        </Alert>
      ) : (
        <Refusal error={preview.error} />
      )}
      {invitation && (
        <>
          <Text>{t("invite.intro", { inviter: invitation.invited_by })}</Text>
          <List spacing="xs">
            <List.Item>
              {t("invite.project")}: <strong>{invitation.project_name}</strong>
            </List.Item>
            <List.Item>
              {t("invite.org")}: <strong>{invitation.org_name}</strong>
            </List.Item>
            <List.Item>
              {t("invite.invitedBy")}: {invitation.invited_by}
            </List.Item>
            <List.Item>
              {t("invite.address")}: {invitation.email}
            </List.Item>
            <List.Item>
              {t("invite.expires")}: {formatDateTime(invitation.expires_at)}
            </List.Item>
          </List>
          {session.data === null && (
            <Stack gap="xs">
              <Alert color="blue" variant="light" role="status">
                {t("invite.signInFirst", { email: invitation.email })}
              </Alert>
              <Group>
                <Button
                  component={Link}
                  to={withQuery("/sign-in", { next: "/invite", email: invitation.email })}
                >
                  {t("invite.signIn")}
                </Button>
                <Button
                  component={Link}
                  to={withQuery("/sign-up", { next: "/invite", email: invitation.email })}
                  variant="outline"
                >
                  {t("invite.signUp")}
                </Button>
              </Group>
              <Text size="sm">{t("invite.signUpHint")}</Text>
            </Stack>
          )}
          {user && (
            <Stack gap="xs">
              {otherAddress && (
                <Alert color="yellow" variant="light" role="note">
                  {t("invite.otherSession", { email: invitation.email, current: user.email })}
                </Alert>
              )}
              <Refusal
                error={accept.error}
                explain={{ forbidden: "invite.otherAddress", conflict: "invite.alreadyMember", not_found: "invite.unknown" }}
              />
              <Button loading={accept.isPending} w="fit-content" onClick={() => { accept.mutate(); }}>
                {t("invite.accept")}
              </Button>
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}

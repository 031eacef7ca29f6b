// What the help button opens (lazily, so the sign-in route stays small): whether support
// is open now and its hours, the Intercom chat when the deployment has one (and its CSP
// allows it), and the built-in ticket form always, with its "deny someone access now"
// short form. Signed in or not.
import {
  Alert,
  Button,
  Group,
  Loader,
  NativeSelect,
  Radio,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { useSession } from "../api/session";
import { formatDateTime } from "../format";
import { fieldError } from "../shell/forms";
import { ProblemAlert } from "../shell/ProblemAlert";
import { loadIntercom, showIntercom, type ChatState } from "./intercom";

type TicketIn = components["schemas"]["TicketIn"];
export type Category = components["schemas"]["TicketCategory"];
export const CATEGORIES: readonly Category[] = ["question", "problem", "security", "access_denial"];

export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && (CATEGORIES as readonly string[]).includes(value);
}

export function HelpPanel({ topic }: { topic?: string }) {
  return (
    <Stack gap="lg" className="support-colors">
      <SupportStatus />
      <Chat />
      <TicketForm initialCategory={isCategory(topic) ? topic : "question"} />
    </Stack>
  );
}

function SupportStatus() {
  const { t } = useTranslation();
  const status = useQuery({
    queryKey: ["support", "status"],
    queryFn: () => unwrap(api.GET("/support/status")),
    staleTime: 60_000,
  });
  if (status.isPending) {
    return <Loader size="sm" aria-label={t("support.status.loading")} role="status" />;
  }
  if (status.isError) {
    return (
      <Alert className="support-alert" color="gray" variant="light" role="status">
        {t("support.status.unknown")}
      </Alert>
    );
  }
  const { open, opens_at, closes_at, hours, timezone, holiday } = status.data;
  return (
    <Alert className="support-alert"
      color={open ? "green" : "gray"}
      variant="light"
      role="status"
      title={
        open
          ? t("support.status.openNow", { closes: formatDateTime(closes_at, timezone) })
          : t("support.status.closedNow", { opens: formatDateTime(opens_at, timezone) })
      }
    >
      {holiday && <Text size="sm">{t("support.status.holiday", { holiday })}</Text>}
      <Text size="sm">
        {t("support.status.hours", { hours: hours.replace("-", "–"), timezone })}
      </Text>
    </Alert>
  );
}

function Chat() {
  const { t } = useTranslation();
  const session = useSession();
  const userId = session.data?.user.id ?? null;
  const messenger = useQuery({
    queryKey: ["support", "messenger", userId],
    queryFn: () => unwrap(api.GET("/support/messenger")),
    staleTime: 5 * 60_000,
    enabled: !session.isPending,
  });
  const config = messenger.data;
  const chat = useQuery({
    queryKey: ["support", "chat", userId],
    queryFn: () => (config ? loadIntercom(config) : Promise.resolve<ChatState>("unavailable")),
    enabled: config?.enabled === true,
    staleTime: Infinity,
  });
  const state: ChatState = chat.data ?? "loading";

  // No chat configured (or not known): the ticket form is all there is.
  if (!config?.enabled) return null;
  return (
    <Stack gap="xs" component="section" aria-labelledby="support-chat-title">
      <Title order={3} size="h4" id="support-chat-title">
        {t("support.chat.heading")}
      </Title>
      {state === "loading" && <Loader size="sm" aria-label={t("support.chat.loading")} role="status" />}
      {state === "ready" && (
        <Group>
          <Button onClick={showIntercom}>{t("support.chat.open")}</Button>
          <Text size="sm">{t("support.chat.orForm")}</Text>
        </Group>
      )}
      {(state === "blocked" || state === "failed") && (
        <Alert className="support-alert" color="gray" variant="light" role="status">
          {t(state === "blocked" ? "support.chat.blocked" : "support.chat.failed")}
        </Alert>
      )}
    </Stack>
  );
}

interface Fields {
  subject: string;
  message: string;
  email: string;
  name: string;
  project: string; // a project id signed in, free text signed out
  personEmail: string;
  website: string;
}

const EMPTY: Fields = {
  subject: "",
  message: "",
  email: "",
  name: "",
  project: "",
  personEmail: "",
  website: "",
};

function TicketForm({ initialCategory }: { initialCategory: Category }) {
  const { t } = useTranslation();
  const session = useSession();
  const signedIn = Boolean(session.data);
  const [category, setCategory] = useState<Category>(initialCategory);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const formId = useId();
  const projects = useQuery({
    queryKey: ["support", "projects"],
    queryFn: () => unwrap(api.GET("/projects", { params: { query: { limit: 100 } } })),
    enabled: signedIn,
    staleTime: 60_000,
  });
  const projectOptions = (projects.data?.items ?? []).map((project) => ({
    value: project.id,
    label: project.name,
  }));
  const projectName = projectOptions.find((option) => option.value === fields.project)?.label;

  const send = useMutation({
    mutationFn: (body: TicketIn) => unwrap(api.POST("/support/tickets", { body })),
  });

  const set = (name: keyof Fields) => (value: string) => {
    setFields((current) => ({ ...current, [name]: value }));
  };
  const denial = category === "access_denial";

  function body(): TicketIn {
    const email = signedIn ? null : fields.email.trim() || null;
    const name = fields.name.trim() || null;
    const website = fields.website || null;
    const projectId = signedIn && fields.project ? fields.project : null;
    const projectText = signedIn ? projectName : fields.project.trim();
    if (denial) {
      const person = fields.personEmail.trim();
      const lines = [t("support.denial.body", { email: person })];
      if (projectText) lines.push(t("support.denial.bodyProject", { project: projectText }));
      if (fields.message.trim()) lines.push("", fields.message.trim());
      return {
        category,
        subject: t("support.denial.subject", { email: person }).slice(0, 200),
        message: lines.join("\n"),
        email,
        name,
        project_id: projectId,
        person_email: person,
        website,
      };
    }
    const message =
      !signedIn && projectText
        ? `${fields.message.trim()}\n\n${t("support.denial.bodyProject", { project: projectText })}`
        : fields.message.trim();
    return {
      category,
      subject: fields.subject.trim(),
      message,
      email,
      name,
      project_id: projectId,
      person_email: null,
      website,
    };
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    send.mutate(body());
  }

  if (send.isSuccess) {
    return (
      <Stack gap="sm">
        <Alert className="support-alert" color="green" variant="light" role="status">
          {t("support.form.sent", { reference: send.data.reference })}
        </Alert>
        <Button
          variant="default"
          w="fit-content"
          onClick={() => {
            setFields(EMPTY);
            send.reset();
          }}
        >
          {t("support.form.another")}
        </Button>
      </Stack>
    );
  }

  const error = send.error;
  const projectField = signedIn ? (
    <NativeSelect
      label={t("support.form.project")}
      description={t("support.form.projectHint")}
      data={[{ value: "", label: t("support.form.noProject") }, ...projectOptions]}
      value={fields.project}
      onChange={(event) => { set("project")(event.currentTarget.value); }}
      error={fieldError(error, "project_id")}
    />
  ) : (
    <TextInput
      label={t("support.form.projectText")}
      description={t("support.form.projectHint")}
      value={fields.project}
      onChange={(event) => { set("project")(event.currentTarget.value); }}
    />
  );
  return (
    <Stack component="section" gap="sm" aria-labelledby={`${formId}-title`}>
      <Title order={3} size="h4" id={`${formId}-title`}>
        {t("support.form.heading")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Radio.Group
            label={t("support.form.category")}
            value={category}
            onChange={(value) => {
              if (isCategory(value)) setCategory(value);
            }}
            description={
              category === "access_denial" || category === "security"
                ? t("support.form.urgentNote")
                : undefined
            }
          >
            <Stack gap={6} mt="xs">
              {CATEGORIES.map((value) => (
                <Radio key={value} value={value} label={t(`support.form.categories.${value}`)} />
              ))}
            </Stack>
          </Radio.Group>

          {denial && <Text size="sm">{t("support.denial.intro")}</Text>}
          {denial && (
            <TextInput
              type="email"
              required
              autoComplete="off"
              label={t("support.denial.personEmail")}
              description={t("support.denial.personEmailHint")}
              value={fields.personEmail}
              onChange={(event) => { set("personEmail")(event.currentTarget.value); }}
              error={fieldError(error, "person_email")}
            />
          )}
          {denial && projectField}
          {!denial && (
            <TextInput
              required
              maxLength={200}
              label={t("support.form.subject")}
              value={fields.subject}
              onChange={(event) => { set("subject")(event.currentTarget.value); }}
              error={fieldError(error, "subject")}
            />
          )}
          <Textarea
            required={!denial}
            minRows={4}
            rows={5}
            maxLength={5000}
            label={denial ? t("support.denial.message") : t("support.form.message")}
            description={denial ? t("support.denial.messageHint") : undefined}
            value={fields.message}
            onChange={(event) => { set("message")(event.currentTarget.value); }}
            error={fieldError(error, "message")}
          />
          {!denial && projectField}
          {!signedIn && (
            <TextInput
              type="email"
              required
              autoComplete="email"
              label={t("support.form.email")}
              description={t("support.form.emailHint")}
              value={fields.email}
              onChange={(event) => { set("email")(event.currentTarget.value); }}
              error={fieldError(error, "email")}
            />
          )}
          {!signedIn && (
            <TextInput
              autoComplete="name"
              label={t("support.form.name")}
              description={t("support.form.nameHint")}
              value={fields.name}
              onChange={(event) => { set("name")(event.currentTarget.value); }}
              error={fieldError(error, "name")}
            />
          )}
          {/* The honeypot: people and assistive technology never meet it (off-screen,
              aria-hidden, out of the tab order); a bot filling every field does. */}
          <div className="support-honeypot" aria-hidden="true">
            <label htmlFor={`${formId}-website`}>{t("support.form.honeypot")}</label>
            <input
              id={`${formId}-website`}
              name="website"
              type="text"
              tabIndex={-1}
              autoComplete="off"
              value={fields.website}
              onChange={(event) => { set("website")(event.currentTarget.value); }}
            />
          </div>
          <ProblemAlert error={error} />
          <Button type="submit" loading={send.isPending} w="fit-content">
            {denial ? t("support.denial.send") : t("support.form.send")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

// The project's schedules (mängdförteckningar): list, create (`schedules.manage`),
// rename and delete. PATCH and DELETE name the version last read (If-Match: "<version>");
// a 412 means someone else changed it: the list is read again and the person told.
import { Alert, Anchor, Button, Group, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { formatDate } from "../format";
import { ApiTextInput } from "../shell/fields";
import { ConfirmButton, Loading, Refusal, useT, type ProjectOut, type ScheduleOut } from "./common";

const ifMatch = (schedule: ScheduleOut) => `"${String(schedule.version)}"`;

export function ProjectSchedules({ project }: { project: ProjectOut }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const canManage = project.my_permissions.includes("schedules.manage");
  const key = ["projects", project.id, "schedules"];
  const path = { project_id: project.id };
  const schedules = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(api.GET("/projects/{project_id}/schedules", { params: { path, query: { limit: 500 } } })),
  });
  const [name, setName] = useState("");
  const [docNo, setDocNo] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [newName, setNewName] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const reload = () => queryClient.invalidateQueries({ queryKey: key });
  const stale = (error: unknown) => {
    if (error instanceof ApiProblem && error.status === 412) {
      // The current name shows again; the person decides anew what to do with it.
      setEditing(null);
      setNotice(t("schedules.stale"));
      void reload();
    }
  };
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/projects/{project_id}/schedules", {
          params: { path },
          body: { name, doc_no: docNo.trim() || null, standard: "ama_anlaggning", currency: "SEK" },
        }),
      ),
    onSuccess: (schedule) => {
      setName("");
      setDocNo("");
      setNotice(t("schedules.createdNotice", { name: schedule.name }));
      void reload();
    },
  });
  const rename = useMutation({
    mutationFn: (schedule: ScheduleOut) =>
      unwrap(
        api.PATCH("/projects/{project_id}/schedules/{schedule_id}", {
          params: {
            path: { project_id: project.id, schedule_id: schedule.id },
            header: { "If-Match": ifMatch(schedule) },
          },
          // doc_no as it is: the typed body wants it, and null would clear it.
          body: { name: newName, doc_no: schedule.doc_no },
        }),
      ),
    onSuccess: (schedule) => {
      setEditing(null);
      setNotice(t("schedules.renamed", { name: schedule.name }));
      void reload();
    },
    onError: stale,
  });
  const remove = useMutation({
    mutationFn: (schedule: ScheduleOut) =>
      unwrap(
        api.DELETE("/projects/{project_id}/schedules/{schedule_id}", {
          params: {
            path: { project_id: project.id, schedule_id: schedule.id },
            header: { "If-Match": ifMatch(schedule) },
          },
        }),
      ),
    onSuccess: (_, schedule) => {
      setNotice(t("schedules.deleted", { name: schedule.name }));
      void reload();
    },
    onError: stale,
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setNotice(null);
    create.mutate();
  };
  const items = schedules.data?.items ?? [];
  const isStale = (error: unknown) => error instanceof ApiProblem && error.status === 412;
  return (
    <Stack gap="xl">
      <Stack>
        <Title order={2}>{t("schedules.title")}</Title>
        {schedules.isPending && <Loading />}
        <Refusal error={schedules.error} explain={{ not_found: "project.gone" }} />
        {notice && (
          <Alert color={rename.isError || remove.isError ? "yellow" : "green"} variant="light" role="status">
            {notice}
          </Alert>
        )}
        {!isStale(rename.error) && <Refusal error={rename.error} />}
        {!isStale(remove.error) && <Refusal error={remove.error} />}
        {schedules.isSuccess && items.length === 0 && <p>{t("schedules.none")}</p>}
        {items.length > 0 && (
          <Table captionSide="top" highlightOnHover>
            <Table.Caption>{t("schedules.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("schedules.name")}</Table.Th>
                <Table.Th scope="col">{t("schedules.docNo")}</Table.Th>
                <Table.Th scope="col">{t("schedules.created")}</Table.Th>
                {canManage && <Table.Th scope="col">{t("common.actions")}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((schedule) => (
                <Table.Tr key={schedule.id}>
                  <Table.Td>
                    {editing === schedule.id ? (
                      <form
                        onSubmit={(event) => {
                          event.preventDefault();
                          setNotice(null);
                          rename.mutate(schedule);
                        }}
                      >
                        <Group gap="xs" align="flex-end">
                          <ApiTextInput
                            label={t("schedules.newName")}
                            required
                            value={newName}
                            onValue={setNewName}
                            refusal={rename.error}
                            field="name"
                          />
                          <Button type="submit" size="xs" loading={rename.isPending}>
                            {t("common.save")}
                          </Button>
                          <Button size="xs" variant="default" onClick={() => { setEditing(null); }}>
                            {t("common.cancel")}
                          </Button>
                        </Group>
                      </form>
                    ) : (
                      <Anchor component={Link} to={`/projects/${project.id}/schedules/${schedule.id}`}>
                        {schedule.name}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>{schedule.doc_no ?? ""}</Table.Td>
                  <Table.Td>{formatDate(schedule.created_at)}</Table.Td>
                  {canManage && (
                    <Table.Td>
                      <Group gap="xs">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => {
                            setEditing(schedule.id);
                            setNewName(schedule.name);
                            rename.reset();
                          }}
                        >
                          {t("schedules.rename", { name: schedule.name })}
                        </Button>
                        <ConfirmButton
                          confirm={t("schedules.confirmDelete", { name: schedule.name })}
                          loading={remove.isPending && remove.variables.id === schedule.id}
                          onConfirm={() => {
                            setNotice(null);
                            remove.mutate(schedule);
                          }}
                        >
                          {t("schedules.delete", { name: schedule.name })}
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {canManage && (
        <form onSubmit={submit} aria-labelledby="new-schedule-title">
          <Stack maw="40rem">
            <Title order={2} id="new-schedule-title">
              {t("schedules.createTitle")}
            </Title>
            <Refusal error={create.error} />
            <ApiTextInput
              label={t("schedules.name")}
              required
              value={name}
              onValue={setName}
              refusal={create.error}
              field="name"
            />
            <ApiTextInput
              label={t("schedules.docNo")}
              value={docNo}
              onValue={setDocNo}
              refusal={create.error}
              field="doc_no"
            />
            <Button type="submit" loading={create.isPending} w="fit-content">
              {t("schedules.create")}
            </Button>
          </Stack>
        </form>
      )}
    </Stack>
  );
}

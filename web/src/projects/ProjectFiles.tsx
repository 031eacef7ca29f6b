// The project's files (`files.view`): upload (`files.upload`) straight to Blob storage —
// POST /files names the file and gets a SAS URL, the browser PUTs the bytes there with a
// progress bar, and POST /files/{id}/complete has the API check what arrived — list,
// download (GET /files/{id} → a short-lived download URL) and delete (`files.delete`).
import { Alert, Button, FileInput, Group, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { openDownload } from "../account/download";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import type { components } from "../api/schema";
import { formatDateTime, formatFileSize, intlLocale } from "../format";
import { membersKey } from "./ProjectMembers";
import { BlobUploadFailed, putToBlob } from "./blobUpload";
import { ConfirmButton, Loading, Refusal, useT, type ProjectOut } from "./common";

type FileOut = components["schemas"]["FileOut"];

const PAGE = 100;
// Where an upload is: naming the file, sending its bytes, having them checked.
type Stage = "start" | "send" | "complete";

export const filesKey = (projectId: string) => ["projects", projectId, "files"] as const;

export function ProjectFiles({ project }: { project: ProjectOut }) {
  const { t, i18n } = useT();
  const queryClient = useQueryClient();
  const can = (permission: string) => project.my_permissions.includes(permission);
  const path = { project_id: project.id };
  const files = useInfiniteQuery({
    queryKey: filesKey(project.id),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/projects/{project_id}/files", {
          params: { path, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  // Uploaders are named from the member list, for those who may read it.
  const members = useQuery({
    queryKey: membersKey(project.id),
    enabled: can("members.view"),
    queryFn: () =>
      unwrap(api.GET("/projects/{project_id}/members", { params: { path, query: { limit: 500 } } })),
  });
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.display_name]));
  const [chosen, setChosen] = useState<File | null>(null);
  // The upload under way or just done: its file's name and the share of bytes sent.
  const [progress, setProgress] = useState<{ name: string; percent: number } | null>(null);
  const [stage, setStage] = useState<Stage>("start");
  const [notice, setNotice] = useState<string | null>(null);
  const reload = () => queryClient.invalidateQueries({ queryKey: filesKey(project.id) });

  const upload = useMutation({
    mutationFn: async (file: File) => {
      setStage("start");
      const started = await unwrap(
        api.POST("/projects/{project_id}/files", {
          params: { path },
          body: { filename: file.name, content_type: file.type, size: file.size },
        }),
      );
      setStage("send");
      setProgress({ name: file.name, percent: 0 });
      await putToBlob(started.upload_url, started.upload_headers, file, (percent) => {
        setProgress({ name: file.name, percent });
      });
      setStage("complete");
      return unwrap(
        api.POST("/projects/{project_id}/files/{file_id}/complete", {
          params: { path: { project_id: project.id, file_id: started.id } },
        }),
      );
    },
    onSuccess: (file) => {
      setChosen(null);
      setNotice(t("files.uploaded", { name: file.filename }));
      void reload();
    },
  });
  const download = useMutation({
    mutationFn: (file: FileOut) =>
      unwrap(
        api.GET("/projects/{project_id}/files/{file_id}", {
          params: { path: { project_id: project.id, file_id: file.id } },
        }),
      ),
    onSuccess: (file) => { openDownload(file.download_url); },
  });
  const remove = useMutation({
    mutationFn: (file: FileOut) =>
      unwrap(
        api.DELETE("/projects/{project_id}/files/{file_id}", {
          params: { path: { project_id: project.id, file_id: file.id } },
        }),
      ),
    onSuccess: (_, file) => {
      setNotice(t("files.deleted", { name: file.filename }));
      void reload();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (chosen === null) return;
    setNotice(null);
    setProgress(null);
    upload.mutate(chosen);
  };
  const items = files.data?.pages.flatMap((page) => page.items) ?? [];
  const locale = intlLocale(i18n.language);
  return (
    <Stack gap="xl">
      <Stack>
        <Title order={2}>{t("files.title")}</Title>
        {files.isPending && <Loading />}
        <Refusal error={files.error} explain={{ not_found: "project.gone" }} />
        {notice && (
          <Alert color="green" variant="light" role="status">
            {notice}
          </Alert>
        )}
        <Refusal error={download.error} explain={{ not_found: "files.gone" }} />
        <Refusal error={remove.error} explain={{ not_found: "files.gone" }} />
        {files.isSuccess && items.length === 0 && <p>{t("files.none")}</p>}
        {items.length > 0 && (
          <Table captionSide="top" highlightOnHover>
            <Table.Caption>{t("files.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("files.name")}</Table.Th>
                <Table.Th scope="col">{t("files.size")}</Table.Th>
                <Table.Th scope="col">{t("files.uploadedAt")}</Table.Th>
                {members.isSuccess && <Table.Th scope="col">{t("files.uploadedBy")}</Table.Th>}
                <Table.Th scope="col">{t("common.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((file) => (
                <Table.Tr key={file.id}>
                  <Table.Td>{file.filename}</Table.Td>
                  <Table.Td>{formatFileSize(file.size, locale)}</Table.Td>
                  <Table.Td>{formatDateTime(file.completed_at)}</Table.Td>
                  {members.isSuccess && (
                    <Table.Td>{names.get(file.created_by) ?? t("files.formerMember")}</Table.Td>
                  )}
                  <Table.Td>
                    <Group gap="xs">
                      <Button
                        size="xs"
                        variant="default"
                        loading={download.isPending && download.variables.id === file.id}
                        onClick={() => { download.mutate(file); }}
                      >
                        {t("files.download", { name: file.filename })}
                      </Button>
                      {can("files.delete") && (
                        <ConfirmButton
                          confirm={t("files.confirmDelete", { name: file.filename })}
                          loading={remove.isPending && remove.variables.id === file.id}
                          onConfirm={() => {
                            setNotice(null);
                            remove.mutate(file);
                          }}
                        >
                          {t("files.delete", { name: file.filename })}
                        </ConfirmButton>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {files.hasNextPage && (
          <Button
            variant="default"
            w="fit-content"
            loading={files.isFetchingNextPage}
            onClick={() => { void files.fetchNextPage(); }}
          >
            {t("common.more")}
          </Button>
        )}
      </Stack>
      {can("files.upload") && (
        <form onSubmit={submit} aria-labelledby="upload-title">
          <Stack maw="40rem">
            <Title order={2} id="upload-title">
              {t("files.uploadTitle")}
            </Title>
            <Text size="sm">{t("files.uploadHint")}</Text>
            <UploadRefusal error={upload.error} stage={stage} />
            <FileInput
              label={t("files.choose")}
              placeholder={t("files.choosePlaceholder")}
              value={chosen}
              onChange={(file) => {
                setChosen(file);
                setProgress(null);
                upload.reset();
              }}
              clearable
              clearButtonProps={{ "aria-label": t("files.clearChoice") }}
              disabled={upload.isPending}
            />
            {progress !== null && (
              <Stack gap={4}>
                <Progress.Root size="lg">
                  <Progress.Section
                    value={progress.percent}
                    aria-label={t("files.progress", { name: progress.name })}
                  />
                </Progress.Root>
                {/* The bar says its value to assistive technology; this is for the eye. */}
                <Text size="sm" aria-hidden="true">
                  {t("files.percent", { percent: progress.percent })}
                </Text>
              </Stack>
            )}
            <Button type="submit" w="fit-content" loading={upload.isPending} disabled={chosen === null}>
              {t("files.upload")}
            </Button>
          </Stack>
        </form>
      )}
    </Stack>
  );
}

/** Why an upload failed, in words for the step it failed at. */
function UploadRefusal({ error, stage }: { error: unknown; stage: Stage }) {
  const { t, i18n } = useT();
  if (error === null) return null;
  const limit = error instanceof ApiProblem ? error.fieldError("size")?.limit : null;
  if (error instanceof ApiProblem && error.code === "payload_too_large" && limit) {
    const largest = formatFileSize(Number(limit), intlLocale(i18n.language));
    return (
      <Alert color="red" role="alert" variant="light">
        {t("files.tooLargeLimit", { limit: largest })}
      </Alert>
    );
  }
  if (error instanceof BlobUploadFailed) {
    return (
      <Alert color="red" role="alert" variant="light">
        {t(error.status === 0 ? "files.storageUnreachable" : "files.storageRefused")}
      </Alert>
    );
  }
  const explain =
    stage === "start"
      ? { payload_too_large: "files.tooLarge", unsupported_media_type: "files.typeNotAllowed" }
      : {
          unsupported_media_type: "files.contentNotType",
          validation_error: "files.sizeDiffers",
          conflict: "files.uploadExpired",
        };
  return <Refusal error={error} explain={explain} />;
}

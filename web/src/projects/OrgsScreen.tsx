// Organisations (GET /api/orgs): the caller's, with their role in each, and a form for a
// new one (POST; the creator becomes its admin).
import { Anchor, Badge, Button, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { formatDate } from "../format";
import { ApiTextInput } from "../shell/fields";
import { Loading, Refusal, useOrgs, useT } from "./common";

export function OrgsScreen() {
  const { t } = useT();
  const orgs = useOrgs();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/orgs", { body: { name } })),
    onSuccess: (org) => {
      void queryClient.invalidateQueries({ queryKey: ["orgs"] });
      void navigate(`/orgs/${org.id}`);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const items = orgs.data?.items ?? [];
  return (
    <Stack component="section" aria-labelledby="orgs-title">
      <Title order={1} id="orgs-title">
        {t("orgs.title")}
      </Title>
      {orgs.isPending && <Loading />}
      <Refusal error={orgs.error} />
      {orgs.isSuccess && items.length === 0 && <p>{t("orgs.none")}</p>}
      {items.length > 0 && (
        <Table captionSide="top" striped>
          <Table.Caption>{t("orgs.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("orgs.name")}</Table.Th>
              <Table.Th scope="col">{t("orgs.myRole")}</Table.Th>
              <Table.Th scope="col">{t("orgs.created")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((org) => (
              <Table.Tr key={org.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/orgs/${org.id}`}>
                    {org.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(`orgs.role.${org.my_org_role}`)}</Badge>
                </Table.Td>
                <Table.Td>{formatDate(org.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={submit} aria-labelledby="new-org-title">
        <Stack maw="40rem">
          <Title order={2} id="new-org-title">
            {t("orgs.createTitle")}
          </Title>
          <Refusal error={create.error} />
          <ApiTextInput
            label={t("orgs.name")}
            required
            value={name}
            onValue={setName}
            refusal={create.error}
            field="name"
          />
          <Button type="submit" loading={create.isPending} w="fit-content">
            {t("orgs.create")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

// The fields of forms that post to the API. Each keeps its text in the caller's state
// (`value`, `onValue`) and shows beside itself why the API refused it: the `errors[]`
// entry for `field` of `refusal`, in the language on screen (unless `error` says more).
import {
  PasswordInput,
  TextInput,
  type PasswordInputProps,
  type TextInputProps,
} from "@mantine/core";
import type { ChangeEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { fieldError } from "./forms";

interface Bound {
  value: string;
  onValue: (value: string) => void;
  /** The failed request's error, if any. */
  refusal: unknown;
  /** The field's name in the API's request body. */
  field: string;
  error?: ReactNode;
}

type Unbound = "value" | "onChange" | "error";
type TextProps = Omit<TextInputProps, Unbound> & Bound;
type PasswordProps = Omit<PasswordInputProps, Unbound> & Bound;

/** Mantine's props for a bound field: the value, its setter and the refusal. */
function bind<P extends Bound>({ value, onValue, refusal, field, error, ...rest }: P) {
  return {
    ...rest,
    value,
    onChange: (event: ChangeEvent<HTMLInputElement>) => { onValue(event.currentTarget.value); },
    error: error ?? fieldError(refusal, field),
  };
}

export function ApiTextInput(props: TextProps) {
  return <TextInput {...bind(props)} />;
}

/** The person's e-mail address (the body's `email` unless `field` says otherwise). */
export function EmailInput({
  field = "email",
  ...props
}: Omit<TextProps, "field" | "label"> & { field?: string }) {
  const { t } = useTranslation();
  return (
    <ApiTextInput
      label={t("common.email")}
      type="email"
      autoComplete="email"
      required
      field={field}
      {...props}
    />
  );
}

/** A code from an e-mail or an authenticator app: digits, filled in by the system if it can. */
export function CodeInput(props: TextProps) {
  return <ApiTextInput autoComplete="one-time-code" inputMode="numeric" required {...props} />;
}

export function ApiPasswordInput(props: PasswordProps) {
  const bound = bind(props);
  // Mantine marks only its text inputs invalid for assistive technology.
  return <PasswordInput required {...bound} aria-invalid={bound.error ? true : undefined} />;
}

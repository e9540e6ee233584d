"use client";

import { describedBy, Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { type FieldErrors, firstError } from "./field-errors";
import { MarkdownField, TagInput } from "./form-parts";

/** The catalog entry's own details: what people see in the catalog. */
export type MetadataDraft = {
  name: string;
  slug: string;
  /** the slug follows the name until someone edits it */
  isSlugEdited: boolean;
  description: string;
  tags: string[];
  iconUrl: string;
  websiteUrl: string;
  repositoryUrl: string;
};

export const EMPTY_METADATA: MetadataDraft = {
  name: "",
  slug: "",
  isSlugEdited: false,
  description: "",
  tags: [],
  iconUrl: "",
  websiteUrl: "",
  repositoryUrl: "",
};

/** "Weather (EU) — v2" → "weather-eu-v2": the slug proposed from the name. */
export function suggestServerSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

export function metadataInput(draft: MetadataDraft) {
  return {
    name: draft.name.trim(),
    slug: draft.slug.trim(),
    description: draft.description,
    tags: draft.tags,
    iconUrl: draft.iconUrl.trim() || null,
    websiteUrl: draft.websiteUrl.trim() || null,
    repositoryUrl: draft.repositoryUrl.trim() || null,
  };
}

export function MetadataFields({
  idPrefix,
  value,
  onChange,
  errors,
}: {
  idPrefix: string;
  value: MetadataDraft;
  onChange: (next: MetadataDraft) => void;
  errors: FieldErrors;
}) {
  const set = (patch: Partial<MetadataDraft>) => onChange({ ...value, ...patch });
  const id = (name: string) => `${idPrefix}-${name}`;
  const err = (key: string) => firstError(errors, key);
  return (
    <>
      <div className="grid gap-5 sm:grid-cols-2">
        <Field id={id("name")} label="Name" error={err("name")}>
          <Input
            id={id("name")}
            value={value.name}
            maxLength={200}
            placeholder="Weather"
            autoComplete="off"
            onChange={(event) => {
              const name = event.target.value;
              set(value.isSlugEdited ? { name } : { name, slug: suggestServerSlug(name) });
            }}
            {...describedBy(id("name"), false, err("name"))}
          />
        </Field>
        <Field
          id={id("slug")}
          label="Slug"
          hint="Lowercase letters, digits and single hyphens. It names the server in addresses and the CLI."
          error={err("slug")}
        >
          <Input
            id={id("slug")}
            value={value.slug}
            maxLength={63}
            placeholder="weather"
            className="font-mono"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => set({ slug: event.target.value, isSlugEdited: true })}
            {...describedBy(id("slug"), true, err("slug"))}
          />
        </Field>
      </div>
      <Field
        id={id("description")}
        label="Description"
        optional
        hint="What it does and when to use it. Markdown; links and code work, images and HTML are not shown."
        error={err("description")}
      >
        <MarkdownField
          id={id("description")}
          value={value.description}
          onChange={(description) => set({ description })}
          placeholder="Forecasts and weather alerts for any city, from the Acme weather API."
          maxLength={5000}
          aria={describedBy(id("description"), true, err("description"))}
        />
      </Field>
      <Field
        id={id("tags")}
        label="Tags"
        optional
        hint="Up to 10; people filter the catalog by them. Press Enter or comma after each."
        error={err("tags")}
      >
        <TagInput
          id={id("tags")}
          value={value.tags}
          onChange={(tags) => set({ tags })}
          invalid={Boolean(err("tags"))}
          describedById={describedBy(id("tags"), true, err("tags"))["aria-describedby"]}
        />
      </Field>
      <div className="grid gap-5 sm:grid-cols-3">
        {(
          [
            ["iconUrl", "Icon URL", "https://example.com/icon.png"],
            ["websiteUrl", "Website", "https://example.com"],
            ["repositoryUrl", "Repository", "https://github.com/acme/weather-mcp"],
          ] as const
        ).map(([key, label, placeholder]) => (
          <Field key={key} id={id(key)} label={label} optional error={err(key)}>
            <Input
              id={id(key)}
              type="url"
              inputMode="url"
              value={value[key]}
              placeholder={placeholder}
              maxLength={2048}
              spellCheck={false}
              onChange={(event) => set({ [key]: event.target.value })}
              {...describedBy(id(key), false, err(key))}
            />
          </Field>
        ))}
      </div>
    </>
  );
}

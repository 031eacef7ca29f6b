// Files the person saves: made or fetched by the app (a Blob, saved through a temporary
// link), or served by another origin as an attachment (a SAS download URL).

/** Bytes the app holds, saved as `name`. */
export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => { URL.revokeObjectURL(url); }, 10_000);
}

/** A file made in the browser, saved as `name`. */
export function downloadFile(name: string, content: string, type: string): void {
  saveBlob(name, new Blob([content], { type }));
}

/** A URL whose answer is an attachment (Content-Disposition): the browser saves it and
 * the page stays where it is. */
export function openDownload(url: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * The file name a Content-Disposition header gives (RFC 6266): `filename*` (RFC 5987,
 * UTF-8) before `filename`; `fallback` when it names none.
 */
export function attachmentName(header: string | null, fallback: string): string {
  if (header === null) return fallback;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // a broken escape: the plain name, if any
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
  const name = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2]?.trim();
  return name !== undefined && name !== "" ? name : fallback;
}

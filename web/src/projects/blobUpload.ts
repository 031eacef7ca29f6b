// The bytes of a project file go from the browser straight to Blob storage, to the SAS
// URL the API handed out (never through the app). XMLHttpRequest, not fetch: only it
// reports upload progress.

/** Storage refused the bytes, or could not be reached (`status` 0). */
export class BlobUploadFailed extends Error {
  readonly status: number;

  constructor(status: number) {
    super(`the upload to storage failed (${String(status)})`);
    this.name = "BlobUploadFailed";
    this.status = status;
  }
}

/**
 * PUT `file` to `url` with the headers the API named (`x-ms-blob-type: BlockBlob`) and
 * its content type; `onProgress` hears the share sent, 0 to 100.
 */
export function putToBlob(
  url: string,
  headers: Readonly<Record<string, string>>,
  file: Blob,
  onProgress: (percent: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) {
        onProgress(Math.floor((event.loaded / event.total) * 100));
      }
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(100);
        resolve();
      } else {
        reject(new BlobUploadFailed(request.status));
      }
    };
    request.onerror = () => { reject(new BlobUploadFailed(0)); };
    request.onabort = () => { reject(new BlobUploadFailed(0)); };
    request.send(file);
  });
}

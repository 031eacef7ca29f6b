// A QR code drawn here, in the browser (the `qrcode` package, loaded with this part of
// the page), as a data: URL image — never sent to a third-party service.
import { Loader } from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

export function QrCode({ value, label }: { value: string; label: string }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import("qrcode")
      .then((qr) => qr.toDataURL(value, { errorCorrectionLevel: "M", margin: 2, width: 224 }))
      .then((url) => { if (live) setSrc(url); });
    return () => { live = false; };
  }, [value]);
  if (src === null) return <Loader aria-label={t("common.loading")} role="status" />;
  return <img className="qr-code" src={src} alt={label} width={224} height={224} />;
}

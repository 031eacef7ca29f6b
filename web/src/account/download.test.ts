import { describe, expect, it } from "vitest";
import { attachmentName } from "./download";

describe("the name a download is saved under", () => {
  it("is the UTF-8 filename* when there is one", () => {
    const header = `attachment; filename="M_ngd A.xlsx"; filename*=UTF-8''M%C3%A4ngd%20A.xlsx`;
    expect(attachmentName(header, "x")).toBe("Mängd A.xlsx");
  });
  it("is the quoted or bare filename otherwise", () => {
    expect(attachmentName(`attachment; filename="PM \\"1\\".csv"`, "x")).toBe(`PM "1".csv`);
    expect(attachmentName("attachment; filename=pm1.csv", "x")).toBe("pm1.csv");
  });
  it("falls back when the header names none or is broken", () => {
    expect(attachmentName(null, "export.xlsx")).toBe("export.xlsx");
    expect(attachmentName("attachment", "export.xlsx")).toBe("export.xlsx");
    expect(attachmentName(`attachment; filename="a.csv"; filename*=UTF-8''%E0%A4`, "x")).toBe("a.csv");
  });
});

import { describe, expect, it } from "vitest";
import { auditCsvHeader, auditCsvRow, csvField } from "./auditCsv.ts";

/** A small RFC 4180 reader, to prove what a spreadsheet would read back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      field += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

describe("audit CSV", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "stop"', '"say ""stop"""'],
    ["a,b", '"a,b"'],
    ["line\nbreak", '"line\nbreak"'],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ["+1", '"\'+1"'],
    ["-2+3", '"\'-2+3"'],
    ["@SUM(A1)", '"\'@SUM(A1)"'],
    ["\tcmd", '"\'\tcmd"'],
    ["", '""'],
  ])("quotes %j as %s", (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it("writes numbers as they are and null as empty", () => {
    expect(csvField(-5)).toBe('"-5"');
    expect(csvField(null)).toBe('""');
  });

  it("round-trips a row with hostile text through a CSV reader", () => {
    const why = "override: \"pH low\", =cmd|' /C calc'!A0\r\nsecond line";
    const text =
      auditCsvHeader() +
      auditCsvRow({
        id: 12,
        at: Date.UTC(2026, 10, 26, 9, 30),
        who: "dr-ana",
        action: "override",
        subject: "room r1",
        why,
        patientId: "p1",
        roomId: null,
        hash: "ab".repeat(32),
      });
    const rows = parseCsv(text);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([
      "id",
      "time (UTC)",
      "who",
      "action",
      "subject",
      "why",
      "patient",
      "room",
      "hash",
    ]);
    expect(rows[1]).toEqual([
      "12",
      "2026-11-26T09:30:00.000Z",
      "dr-ana",
      "override",
      "room r1",
      why,
      "p1",
      "",
      "ab".repeat(32),
    ]);
    const hostile = parseCsv(
      auditCsvRow({
        id: 1,
        at: 0,
        who: "=1+1",
        action: "",
        subject: "",
        why: "",
        patientId: null,
        roomId: null,
        hash: "",
      }),
    );
    expect(hostile[0]![2]).toBe("'=1+1");
  });
});

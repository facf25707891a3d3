// The usage CSV export, built in the browser from the ledger entries the page has fetched.
import { plainMicros } from "./common.js";

const CSV_COLUMNS = [
  "id",
  "created_at",
  "reason",
  "amount_micros",
  "credits",
  "balance_after_micros",
  "provider",
  "model",
  "request_id",
  "reference",
  "usage",
];

const csvCell = (value) => {
  const text = value === null || value === undefined ? "" : String(value);
  // Quoted when needed; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** Every entry fetched so far (all loaded pages), one row each, after a header row. */
export function usageCsv(entries) {
  const lines = [CSV_COLUMNS.join(",")];
  for (const entry of entries) {
    lines.push(
      [
        entry.id,
        entry.created_at,
        entry.reason,
        entry.amount_micros,
        plainMicros(entry.amount_micros),
        entry.balance_after_micros,
        entry.provider,
        entry.model,
        entry.request_id,
        entry.reference,
        entry.usage ? JSON.stringify(entry.usage) : "",
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * CSV as RFC 4180 writes it, read leniently where that is harmless: fields separated by commas, records
 * by CRLF, LF or CR; a field in double quotes may hold commas, line breaks and quotes written twice
 * (`""`). A UTF-8 byte-order mark is skipped and blank lines are ignored. An unclosed quote makes the
 * rest of the text ambiguous, so it fails the whole text (`CsvSyntaxError`); text after a closing quote
 * (`"a"b`) spoils only its own record (`problem`), which keeps its other fields.
 */

export interface CsvRecord {
  /** The line (1-based) the record starts on; a quoted line break makes a record span several. */
  line: number;
  cells: string[];
  /** Why the record is malformed, when it is. */
  problem?: string;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

export function parseCsv(text: string): CsvRecord[] {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const records: CsvRecord[] = [];
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let problem: string | undefined;
    let quotedFirst = false;
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        if (cells.length === 0) quotedFirst = true;
        cell = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) throw new CsvSyntaxError(`Line ${start}: a quoted field is never closed`, start);
          line += countLineBreaks(text, from, q);
          cell += text.slice(from, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            cell += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const stray = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        if (i > stray) {
          problem ??= 'Text after a closing quote (write a quote inside a quoted field as "")';
          cell += text.slice(stray, i);
        }
      } else {
        const from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        cell = text.slice(from, i);
      }
      cells.push(cell);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      i++;
      if (c === COMMA) continue;
      if (c === CR && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    const blank = cells.length === 1 && cells[0] === '' && !quotedFirst;
    if (!blank) records.push(problem ? { line: start, cells, problem } : { line: start, cells });
  }
  return records;
}

/** One field as RFC 4180 writes it: quoted when it holds a comma, quote, line break or edge spaces. */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value) || /^\s|\s$/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** One record, CRLF-terminated. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

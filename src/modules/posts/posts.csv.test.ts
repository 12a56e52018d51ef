import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField, csvRecord, CsvSyntaxError, parseCsv } from './posts.csv.js';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe('CSV (RFC 4180)', () => {
  it('splits fields on commas and records on CRLF, LF or CR; a final line break is optional', () => {
    assert.deepEqual(cells('a,b,c\r\n1,2,3\r\n'), [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    assert.deepEqual(cells('a,b\n1,2'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(cells('a,b\r1,2\r'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    assert.deepEqual(cells('a,,c\n,,\nx,'), [
      ['a', '', 'c'],
      ['', '', ''],
      ['x', ''],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks of any kind', () => {
    const text =
      'caption,n\r\n"Hello, world",1\r\n"She said ""hi""",2\r\n"line 1\r\nline 2\nline 3",3\r\n""," "\r\n';
    assert.deepEqual(cells(text), [
      ['caption', 'n'],
      ['Hello, world', '1'],
      ['She said "hi"', '2'],
      ['line 1\r\nline 2\nline 3', '3'],
      ['', ' '],
    ]);
  });

  it('numbers each record by the line it starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h\n"a\nb\nc"\n\nd\r\n"e"');
    assert.deepEqual(
      records.map((r) => [r.line, r.cells[0]]),
      [
        [1, 'h'],
        [2, 'a\nb\nc'],
        [6, 'd'],
        [7, 'e'],
      ],
    );
  });

  it('skips a byte-order mark and blank lines; keeps unicode and spaces as written', () => {
    assert.deepEqual(cells('\ufeffcaption\n\n  café ☕ 🎉  \n\n'), [['caption'], ['  café ☕ 🎉  ']]);
  });

  it('reads a quote inside an unquoted field literally', () => {
    assert.deepEqual(cells('a"b,c\n'), [['a"b', 'c']]);
  });

  it('marks a record with text after a closing quote, keeping the rest', () => {
    const [header, bad, good] = parseCsv('a,b\n"x"y,2\n3,4\n');
    assert.equal(header!.problem, undefined);
    assert.deepEqual(bad!.cells, ['xy', '2']);
    assert.match(bad!.problem!, /after a closing quote/);
    assert.deepEqual(good, { line: 3, cells: ['3', '4'] });
  });

  it('refuses an unclosed quote, naming the line it opens on', () => {
    assert.throws(
      () => parseCsv('a,b\n1,2\n3,"open\n4,5\n'),
      (error: unknown) =>
        error instanceof CsvSyntaxError && error.line === 3 && /never closed/.test(error.message),
    );
  });

  it('writes fields that read back the same', () => {
    const values = [
      'plain',
      'with, comma',
      'with "quotes"',
      'multi\nline\r\nbreaks',
      ' padded ',
      '',
      '{"a":[1,2]}',
    ];
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('with "quotes"'), '"with ""quotes"""');
    const text = csvRecord(values) + csvRecord(['x', 'y', 'z', 'w', 'v', 'u', 't']);
    assert.deepEqual(cells(text), [values, ['x', 'y', 'z', 'w', 'v', 'u', 't']]);
  });
});

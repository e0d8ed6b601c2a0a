import { csvCell, csvHeader, csvLine, csvRow } from '../../../../src/cckm/reports/csv-writer.js';
import { parseCsv } from '../../../support/csv-reader.js';

describe('CSV writer', () => {
  it('quotes text, doubles inner quotes, and keeps commas and line breaks inside one cell', () => {
    const line = csvLine(['a,b', 'say "hi"', 'two\r\nlines', 'plain']);
    expect(line).toBe('"a,b","say ""hi""","two\r\nlines","plain"\r\n');
    expect(parseCsv(line)).toEqual([['a,b', 'say "hi"', 'two\r\nlines', 'plain']]);
  });

  it.each([
    ['=HYPERLINK("http://evil","x")'],
    ['+1+cmd|" /C calc"!A0'],
    ['-2+3'],
    ['@SUM(A1:A2)'],
    ['\t=1+1'],
    ['\r=1+1'],
    ['   =1+1'],
    ['\uff1d1+1'],
    ['\n\u0001=1+1'],
  ])('neutralises a formula in text: %j', (hostile) => {
    const [[cell]] = parseCsv(csvLine([hostile])) as [[string]];
    expect(cell).toBe(`'${hostile}`);
  });

  it('leaves ordinary text, numbers, booleans and nulls as they are (a negative number is not a formula)', () => {
    expect(csvLine(['alias/prod-db', 'a=b', '  indented', -5, 0, 12.5, true, false, null])).toBe(
      '"alias/prod-db","a=b","  indented",-5,0,12.5,true,false,\r\n',
    );
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('writes rows in the column order given, missing columns empty, never an inherited property', () => {
    const columns = ['key_id', 'toString', 'age_days'];
    expect(csvHeader(columns)).toBe('key_id,toString,age_days\r\n');
    expect(csvRow(columns, { age_days: 3, key_id: 'k1' })).toBe('"k1",,3\r\n');
  });
});

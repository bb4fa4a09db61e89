import { withRtlTablesAndCells } from './outlook-direction';

describe('withRtlTablesAndCells', () => {
  it('marks tables and cells, Outlook-only ones in conditional comments too', () => {
    expect(withRtlTablesAndCells('<!--[if mso | IE]><table role="presentation"><tr><td class="x"><![endif]-->')).toBe(
      '<!--[if mso | IE]><table dir="rtl" role="presentation" style="direction:rtl;"><tr>' +
        '<td dir="rtl" class="x" style="direction:rtl;text-align:right;"><![endif]-->',
    );
  });

  it('keeps a cell’s own alignment and direction, and a table’s existing style', () => {
    expect(withRtlTablesAndCells('<td align="center" style="padding:0">')).toBe(
      '<td dir="rtl" align="center" style="direction:rtl;padding:0">',
    );
    expect(withRtlTablesAndCells('<td dir="ltr" style="direction:ltr;text-align:left">')).toBe(
      '<td dir="ltr" style="direction:ltr;text-align:left">',
    );
    expect(withRtlTablesAndCells('<tbody><thead>')).toBe('<tbody><thead>');
  });
});

const TABLE_OR_CELL = /<(table|td)\b([^>]*)>/gi;

/**
 * Outlook for Windows lays out HTML with Word, which takes direction from each table and cell rather than from
 * `<html dir>` or the wrapper `<div>` MJML marks. This gives every `<table>` and `<td>` of compiled right-to-left
 * MJML — the ones inside `<!--[if mso]>` comments included — `dir="rtl"` and an inline `direction:rtl`, plus
 * `text-align:right` where the cell does not align itself (centred buttons and images keep their `align`).
 */
export function withRtlTablesAndCells(html: string): string {
  return html.replace(TABLE_OR_CELL, (_tag, name: string, attrs: string) => {
    let out = attrs;
    if (!/\sdir=/i.test(out)) {
      out = ` dir="rtl"${out}`;
    }
    const style = /\sstyle="([^"]*)"/i.exec(out);
    const current = style?.[1] ?? '';
    let add = '';
    if (!/(^|;)\s*direction\s*:/i.test(current)) {
      add += 'direction:rtl;';
    }
    if (name.toLowerCase() === 'td' && !/\salign=/i.test(out) && !/(^|;)\s*text-align\s*:/i.test(current)) {
      add += 'text-align:right;';
    }
    if (add) {
      out = style ? out.replace(style[0], ` style="${add}${current}"`) : `${out.replace(/\s*\/?$/, '')} style="${add}"`;
    }
    return `<${name}${out}>`;
  });
}

import Handlebars from 'handlebars';

export interface PublicEditionParts {
  /** The edition's subject: the page's one h1 (read by screen readers; the masthead shows it to the eye). */
  title: string;
  canonicalUrl: string;
  archiveUrl: string;
  archiveLabel: string;
  /** Replaces "you get this because you subscribed": a visitor did not. */
  reason: string;
  subscribeTitle: string;
  subscribeLabel: string;
  subscribeAction: string;
  emailLabel: string;
}

const e = Handlebars.Utils.escapeExpression;

/**
 * The public copy of an edition (`/digests/:id`): the compiled email with `<link rel="canonical">`, and in its
 * footer a subscribe box and a link to the archive where a reader's email has their own preferences and
 * unsubscribe links (a visitor has none), the whole inside a main landmark with the subject as its h1. The footer's cells are found by the css-class MJML gives them
 * (`reader-reason`, `reader-links` in templates/partials/digest-footer.mjml).
 */
export function publicEditionHtml(html: string, parts: PublicEditionParts): string {
  const box =
    `<form method="post" action="${e(parts.subscribeAction)}" style="margin:8px 0;text-align:center" dir="rtl">` +
    `<strong style="display:block;margin-bottom:6px">${e(parts.subscribeTitle)}</strong>` +
    `<input type="email" name="email" required dir="ltr" aria-label="${e(parts.emailLabel)}" ` +
    `placeholder="name@example.com" style="padding:8px;font-size:16px;border:1px solid #c9ced6;border-radius:6px">` +
    `<input type="hidden" name="frequency" value="daily"> ` +
    `<button type="submit" style="padding:8px 16px;font-size:16px;border:0;border-radius:6px;` +
    `background:#0b5cad;color:#fff">${e(parts.subscribeLabel)}</button></form>` +
    `<a href="${e(parts.archiveUrl)}">${e(parts.archiveLabel)}</a>`;
  const heading =
    `<h1 style="position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;` +
    `clip:rect(0 0 0 0);white-space:nowrap;border:0">${e(parts.title)}</h1>`;
  return (
    html
      .replace('</head>', `<link rel="canonical" href="${e(parts.canonicalUrl)}">\n</head>`)
      // As a web page the email is the page's main content, under one heading.
      .replace(/<body([^>]*)>/, (_m, attrs: string) => `<body${attrs}><main>${heading}`)
      .replace('</body>', '</main></body>')
      .replace(/(class="reader-reason"[^>]*>\s*<div[^>]*>)[\s\S]*?(<\/div>)/, (_m, open: string, close: string) => {
        return `${open}${e(parts.reason)}${close}`;
      })
      .replace(/(class="reader-links"[^>]*>\s*<div[^>]*>)[\s\S]*?(<\/div>)/, (_m, open: string, close: string) => {
        return `${open}${box}${close}`;
      })
  );
}

import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EditorSessions } from '../auth/editor-sessions';
import { can, Permission, permissionsOf } from '../auth/permissions';
import type { SignedInEditor } from '../auth/signed-in-editor';
import { localeRecord } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';

export type FlashTone = 'success' | 'error' | 'info';

export interface PageOptions {
  status?: number;
  /** The page's <title> and heading context; defaults to the nav entry's label. */
  title?: string;
  /** Which nav entry is current (its path's last part, e.g. 'next', 'readers'); defaults to the page name. */
  nav?: string;
}

const NAV_LABELS = localeRecord('newsroom.labels.nav');
// Entries added after the nav group was written; their labels live beside the newsroom's actions.
const MORE_NAV = localeRecord('newsroomActions.nav');

// An entry's label comes from `newsroom.labels.nav.<key>` in the locale file (an entry may still carry its own).
const NAV_ENTRIES: { key: string; href: string; label?: string; permission: Permission }[] = [
  { key: 'dashboard', href: '/admin', permission: 'newsroom.use' },
  { key: 'next', href: '/admin/next', permission: 'edition.prepare' },
  { key: 'breaking', href: '/admin/breaking', permission: 'alert.send' },
  { key: 'editions', href: '/admin/editions', permission: 'stats.view' },
  { key: 'readers', href: '/admin/readers', permission: 'stats.view' },
  { key: 'topics', href: '/admin/topics', permission: 'topics.manage' },
  { key: 'newsletters', href: '/admin/settings/newsletters', label: MORE_NAV.newsletters, permission: 'stats.view' },
  { key: 'settings', href: '/admin/settings', permission: 'newsletters.manage' },
  { key: 'form', href: '/admin/form', permission: 'settings.manage' },
  { key: 'mail', href: '/admin/mail', permission: 'readers.view' },
  { key: 'deliverability', href: '/admin/deliverability', label: MORE_NAV.deliverability, permission: 'stats.view' },
  { key: 'editors', href: '/admin/editors', permission: 'editors.manage' },
  { key: 'account', href: '/admin/account', permission: 'newsroom.use' },
];

/** The newsroom's menu, in reading order; each entry shows only to editors who hold its page's permission. */
export const NEWSROOM_NAV: { key: string; href: string; label: string; permission: Permission }[] = NAV_ENTRIES.map(
  (entry) => ({ ...entry, label: entry.label ?? NAV_LABELS[entry.key] ?? entry.key }),
);

/** What templates test to hide what the editor cannot do: `{{#if can.[edition.send]}}` (`@root.can` in loops). */
function permissionsFor(editor: SignedInEditor | undefined): Record<string, boolean> {
  return editor ? permissionsOf(editor) : {};
}

/**
 * Renders the newsroom: `templates/newsroom/<name>.hbs` inside `templates/layouts/newsroom.hbs`. Every page
 * gets `{ title, editor, can, csrfToken, nav, navItems, flash, publication }` (`can` maps each permission to
 * whether this editor holds it); forms add
 * `<input type="hidden" name="_csrf" value="{{csrfToken}}">`, and htmx sends the token from `<body hx-headers>`.
 */
@Injectable()
export class NewsroomView {
  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly sessions: EditorSessions,
    private readonly config: AppConfig,
  ) {}

  /** A newsroom string from the locale file (`newsroom.*`), counts in their Arabic plural forms. */
  t(key: string, vars: Record<string, unknown> = {}): string {
    return this.renderer.t(key, vars);
  }

  has(key: string): boolean {
    return this.renderer.has(key);
  }

  async page(
    req: Request,
    res: Response,
    name: string,
    context: Record<string, unknown>,
    options: PageOptions = {},
  ): Promise<void> {
    const editor = await this.sessions.editorOf(req);
    const nav = options.nav ?? name;
    const flash = req.session?.flash ?? [];
    if (req.session?.flash) {
      delete req.session.flash;
    }
    const html = this.renderer.renderInLayout('newsroom', `newsroom/${name}.hbs`, {
      ...context,
      title: options.title ?? (context.title as string | undefined) ?? NEWSROOM_NAV.find((n) => n.key === nav)?.label,
      editor,
      can: permissionsFor(editor),
      csrfToken: this.sessions.csrfToken(req, res),
      nav,
      navItems: editor
        ? NEWSROOM_NAV.filter((item) => can(editor, item.permission)).map((item) => ({
            ...item,
            current: item.key === nav,
          }))
        : [],
      flash,
      publication: this.config.publication.name,
    });
    this.send(res, options.status ?? 200, html);
  }

  /** A partial for htmx (`templates/newsroom/<name>.hbs`, no layout); `csrfToken` and `editor` are filled in. */
  fragment(res: Response, name: string, context: Record<string, unknown>, status = 200): void {
    const req = res.req as Request & { nashraSignedInEditor?: SignedInEditor };
    const html = this.renderer.renderFragment(`newsroom/${name}.hbs`, {
      csrfToken: req?.sessionID ? this.sessions.csrfToken(req, res) : undefined,
      editor: req?.nashraSignedInEditor,
      can: permissionsFor(req?.nashraSignedInEditor),
      publication: this.config.publication.name,
      ...context,
    });
    this.send(res, status, html);
  }

  /** A message shown once, on the next newsroom page this editor opens (e.g. after a redirect). */
  flash(req: Request, text: string, tone: FlashTone = 'success'): void {
    if (req.session) {
      req.session.flash = [...(req.session.flash ?? []), { text, tone }];
    }
  }

  private send(res: Response, status: number, html: string): void {
    res
      .status(status)
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('Referrer-Policy', 'same-origin')
      .set('X-Frame-Options', 'SAMEORIGIN')
      .send(html);
  }
}

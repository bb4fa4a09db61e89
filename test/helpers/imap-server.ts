import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../src/database/embedded-postgres';
import { waitFor } from './wait-for';

/** Debian's dovecot (package dovecot-imapd); DOVECOT_PATH overrides where it is. */
export const DOVECOT_PATH = process.env.DOVECOT_PATH?.trim() || '/usr/sbin/dovecot';
export const DOVECOT_INSTALL_HINT = 'install Dovecot (Debian/Ubuntu: apt-get install -y dovecot-imapd)';

function dovecotFound(): boolean {
  try {
    accessSync(DOVECOT_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return !!ci && ci !== 'false' && ci !== '0';
}

/**
 * `describe` for suites that need a real IMAP server. Without Dovecot the suite is skipped with one line saying
 * how to install it; on CI (CI set) it fails instead, as browser suites do without Chromium.
 */
export function describeImap(name: string, suite: () => void): void {
  if (dovecotFound()) {
    describe(name, suite);
    return;
  }
  if (onCi()) {
    describe(name, () => {
      it('needs Dovecot', () => {
        throw new Error(`Dovecot not found at ${DOVECOT_PATH}: ${DOVECOT_INSTALL_HINT}. CI must run the IMAP suites.`);
      });
    });
    return;
  }
  process.stderr.write(`\n⚠ SKIPPED IMAP suite "${name}": no ${DOVECOT_PATH}; ${DOVECOT_INSTALL_HINT}.\n`);
  describe.skip(name, suite);
}

export interface MailboxMessage {
  uid: number;
  subject: string;
  flags: string[];
}

/** A throwaway Dovecot: one user, plaintext IMAP on loopback, maildir under a temp dir. */
export class TestImapServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    readonly user: string,
    readonly password: string,
  ) {
    const collect = (chunk: Buffer) => (this.output = (this.output + chunk.toString('utf8')).slice(-20_000));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  /**
   * Starts Dovecot in the foreground (-F) with its own base_dir, state and config, so it touches nothing of
   * the system's. As root, Dovecot drops its login and internal processes to the package's `dovenull` and
   * `dovecot` users and refuses to run mail as root: the mailbox belongs to `dovecot`, in a folder open to it.
   * As another user, everything runs as that user, without chroot.
   */
  static async start(): Promise<TestImapServer> {
    const dir = mkdtempSync(join(tmpdir(), 'nashra-imap-'));
    chmodSync(dir, 0o755);
    const mail = join(dir, 'mail');
    mkdirSync(mail, { mode: 0o777 });
    chmodSync(mail, 0o777); // the umask may have narrowed it; Dovecot writes here as its mail user
    mkdirSync(join(dir, 'run'));
    mkdirSync(join(dir, 'state'));
    const port = await freePort();
    const user = 'bounces';
    const password = `imap-test-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
    const root = process.getuid?.() === 0;
    const me = userInfo();
    const mailOwner = root ? 'uid=dovecot gid=dovecot' : `uid=${me.uid} gid=${me.gid}`;
    const config = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${root ? 'dovenull' : me.username}
default_internal_user = ${root ? 'dovecot' : me.username}
mail_location = maildir:${mail}/%u
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = ${mailOwner} home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
${root ? '' : '  chroot =\n'}}
${root ? '' : 'service anvil {\n  chroot =\n}\n'}`;
    writeFileSync(join(dir, 'dovecot.conf'), config, { mode: 0o644 });
    const child = spawn(DOVECOT_PATH, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new TestImapServer(child, dir, port, user, password);
    try {
      await waitFor(
        () => server.canLogIn(),
        (ok) => ok || child.exitCode !== null,
        30_000,
        'Dovecot to accept a login',
      );
      if (child.exitCode !== null) {
        throw new Error(`dovecot exited (${child.exitCode})`);
      }
    } catch (err) {
      await server.stop();
      throw new Error(`${(err as Error).message}\n${server.output}`, { cause: err });
    }
    return server;
  }

  /** BOUNCE_IMAP_URL for nashra. */
  get url(): string {
    return `imap://${this.user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/INBOX`;
  }

  get log(): string {
    return this.output;
  }

  private client(): ImapFlow {
    return new ImapFlow({
      host: '127.0.0.1',
      port: this.port,
      secure: false,
      auth: { user: this.user, pass: this.password },
      logger: false,
    });
  }

  private async canLogIn(): Promise<boolean> {
    const client = this.client();
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.logout();
      return true;
    } catch {
      return false;
    }
  }

  /** IMAP APPEND of raw messages to INBOX, unread. */
  async append(...messages: Array<string | Buffer>): Promise<void> {
    const client = this.client();
    await client.connect();
    try {
      for (const message of messages) {
        await client.append('INBOX', message, []);
      }
    } finally {
      await client.logout();
    }
  }

  /** Every message of INBOX with its flags, in order. */
  async messages(): Promise<MailboxMessage[]> {
    const client = this.client();
    await client.connect();
    try {
      const box = await client.mailboxOpen('INBOX');
      if (box.exists === 0) {
        return [];
      }
      const all = await client.fetchAll('1:*', { uid: true, flags: true, envelope: true });
      return all.map((m) => ({ uid: m.uid, subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])].sort() }));
    } finally {
      await client.logout();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

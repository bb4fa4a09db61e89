// `npm run editor:create -- --email you@example.com [--name "…"] [--password …] [--role owner|chief|editor|writer|analyst]`
// Creates an editor account (the first one is an owner when --role is left out; later ones need --role). Uses DATABASE_URL, or the embedded PostgreSQL under VAR_DIR like `npm start`
// (the one a running `npm start` already serves, when there is one). Runs pending migrations first.
import 'reflect-metadata';
import { loadConfig } from '../config/app-config';
import { parseCliArgs, runCli, withCliDatabase } from '../database/command-line';
import { DuplicateEditorError, EditorAccounts, generatePassword, MIN_PASSWORD_LENGTH } from './editor-accounts';
import { EditorsRepository } from './editors.repository';
import { isRole, Role, ROLES } from './permissions';

const USAGE = `usage: npm run editor:create -- --email you@example.com [--name "Your Name"] [--password …] [--role ${ROLES.join('|')}]`;

export async function createEditorFromCommandLine(argv: string[]): Promise<number> {
  const args = parseCliArgs(
    argv,
    { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' } },
    USAGE,
  );
  if (!args) {
    return 1;
  }
  if (!args.email || !/^[^@\s]+@[^@\s]+$/.test(args.email.trim())) {
    console.error(`--email must be an email address\n${USAGE}`);
    return 1;
  }
  if (args.password !== undefined && args.password.length < MIN_PASSWORD_LENGTH) {
    console.error(`--password must be at least ${MIN_PASSWORD_LENGTH} characters (or leave it out to get one)`);
    return 1;
  }
  if (args.role !== undefined && !isRole(args.role)) {
    console.error(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
    return 1;
  }
  const email = args.email;
  const role = args.role as Role | undefined;
  const config = loadConfig(process.env);
  return withCliDatabase(config, async (dataSource) => {
    try {
      const repository = new EditorsRepository(dataSource);
      const accounts = new EditorAccounts(repository);
      if (!role && (await accounts.count()) > 0 && !(await repository.findByEmail(email))) {
        console.error(`The newsroom already has editors: say which role this one gets with --role\n${USAGE}`);
        return 1;
      }
      const password = args.password ?? generatePassword();
      // Without --role only the first editor gets here, or an existing email, which the insert refuses.
      const editor = await accounts.create({ email, name: args.name, password, role: role ?? 'owner' });
      console.log(`Editor created: ${editor.email} (${editor.name}), role ${editor.role}`);
      if (args.password === undefined) {
        console.log(`Password (shown only this once, keep it somewhere safe): ${password}`);
      }
      console.log(`Sign in at ${config.url('/admin/login')}`);
      return 0;
    } catch (err) {
      if (err instanceof DuplicateEditorError) {
        console.error(`An editor with the email ${err.email} already exists; nothing was changed.`);
        return 1;
      }
      throw err;
    }
  });
}

if (require.main === module) {
  runCli('editor:create', createEditorFromCommandLine);
}

// `npm run token:create -- --name cms --scope articles:write`
// Makes a scoped machine token (printed once; only its SHA-256 is stored in api_tokens). Uses DATABASE_URL, or
// the embedded PostgreSQL under VAR_DIR like `npm start`. Runs pending migrations first.
import 'reflect-metadata';
import { loadConfig } from '../config/app-config';
import { parseCliArgs, runCli, withCliDatabase } from '../database/command-line';
import { ApiTokens, DuplicateTokenNameError } from './api-tokens';
import { ApiTokensRepository } from './api-tokens.repository';
import { TOKEN_SCOPES } from './permissions';

const USAGE = `usage: npm run token:create -- --name cms --scope ${Object.keys(TOKEN_SCOPES).join('|')} [--scope …]`;

export async function createTokenFromCommandLine(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, { name: { type: 'string' }, scope: { type: 'string', multiple: true } }, USAGE);
  if (!args) {
    return 1;
  }
  const name = args.name?.trim() ?? '';
  if (!/^[\w.-]{1,60}$/.test(name)) {
    console.error(`--name must be 1 to 60 letters, digits, dots, dashes or underscores\n${USAGE}`);
    return 1;
  }
  const scopes = args.scope ?? [];
  const unknown = scopes.filter((s) => !Object.hasOwn(TOKEN_SCOPES, s));
  if (scopes.length === 0 || unknown.length > 0) {
    console.error(
      `${scopes.length === 0 ? '--scope is required' : `unknown scope ${unknown.join(', ')}`}; known scopes: ${Object.keys(TOKEN_SCOPES).join(', ')}\n${USAGE}`,
    );
    return 1;
  }
  const config = loadConfig(process.env);
  return withCliDatabase(config, async (dataSource) => {
    try {
      const { token, row } = await new ApiTokens(new ApiTokensRepository(dataSource)).create(name, scopes);
      console.log(`Token created: ${row.name} (${row.scopes.join(' ')})`);
      console.log(`Token (shown only this once, keep it in the CMS's secret settings): ${token}`);
      console.log(`Send it as Authorization: Bearer <token> to ${config.url('/admin/articles')}`);
      return 0;
    } catch (err) {
      if (err instanceof DuplicateTokenNameError) {
        console.error(`A live token named ${err.tokenName} exists; revoke it on the Editors screen first.`);
        return 1;
      }
      throw err;
    }
  });
}

if (require.main === module) {
  runCli('token:create', createTokenFromCommandLine);
}

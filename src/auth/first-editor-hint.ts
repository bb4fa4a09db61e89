import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EditorAccounts } from './editor-accounts';

/** A fresh development install has no editor yet: say, once at start-up, how to make the first one. */
@Injectable()
export class FirstEditorHint implements OnApplicationBootstrap {
  private readonly logger = new Logger('Newsroom');

  constructor(
    private readonly config: AppConfig,
    private readonly accounts: EditorAccounts,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runtime.nodeEnv !== 'development' || !this.config.servesHttp) {
      return;
    }
    if ((await this.accounts.count()) === 0) {
      this.logger.log(
        `No editor account yet: run \`npm run editor:create -- --email you@example.com\`, then sign in at ${this.config.url('/admin')}`,
      );
    }
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `enqueue_transactional_message(...)`: the delivery module's interface for queuing one transactional email
 * from inside another module's statement, where one round trip matters (the signup, whose confirmation must
 * commit with the reader it confirms: a crash can never keep the one and lose the other). The caller passes
 * values, never SQL text, and no file outside src/delivery writes `transactional_messages`.
 *
 * With `send` the message is queued for `recipient` (composed, `html`/`text`, or stored as `template` and
 * `template_values` for the worker to compose); without it a `skipped` no-op row with no address, reader or
 * body is written, so both outcomes of a signup do the same work. A `dedupe_key` already present writes
 * nothing. Answers the new row's id, or null when nothing was written.
 *
 * PL/pgSQL, so its INSERT is planned once per connection, like the prepared signup that calls it. VOLATILE: each
 * call sees the rows its calling statement wrote before it (the reader the confirmation belongs to).
 */
export class EnqueueTransactionalMessage1795647000000 implements MigrationInterface {
  name = 'EnqueueTransactionalMessage1795647000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION enqueue_transactional_message(
        p_send boolean, p_kind text, p_recipient text, p_subscriber_id bigint, p_dedupe_key text, p_subject text,
        p_html text, p_text text, p_headers jsonb, p_template text, p_template_values jsonb
      ) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        queued_id bigint;
      BEGIN
        INSERT INTO transactional_messages (kind, recipient, subscriber_id, status, dedupe_key, subject, html, text,
                                            headers, template, template_values)
        VALUES (p_kind,
                CASE WHEN p_send THEN p_recipient END,
                CASE WHEN p_send THEN p_subscriber_id END,
                CASE WHEN p_send THEN 'queued' ELSE 'skipped' END,
                p_dedupe_key,
                CASE WHEN p_send THEN p_subject END,
                CASE WHEN p_send THEN p_html END,
                CASE WHEN p_send THEN p_text END,
                p_headers,
                CASE WHEN p_send THEN p_template END,
                CASE WHEN p_send THEN p_template_values END)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id INTO queued_id;
        RETURN queued_id;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION enqueue_transactional_message(boolean, text, text, bigint, text, text, text, text, jsonb, text, jsonb)`,
    );
  }
}

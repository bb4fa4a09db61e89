import { Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/domain-errors';
import type { DeliveryQueue } from '../delivery/delivery-queue';
import type { Edition, EditionStatus } from './edition.entity';
import { EDITION_CHANGES, type EditionChangeName, type EditionsRepository } from './editions.repository';
import type { EditionRenderer } from './edition-renderer';
import { EditionsService } from './editions.service';

/**
 * EditionsRepository faked at its interface: `change` applies EDITION_CHANGES' from → to (the conditional UPDATE
 * the real one runs), so these specs check the service's decisions, not SQL.
 */
class FakeEditions {
  readonly rows = new Map<string, Edition>();
  readonly changes: Array<{ id: string; name: EditionChangeName; reason: string | null }> = [];

  add(id: string, status: EditionStatus, articleIds: string[] = ['1', '2']): Edition {
    const edition = { id, key: `daily:2026-12-07#${id}`, status, statusReason: null, articleIds } as unknown as Edition;
    this.rows.set(id, edition);
    return edition;
  }

  change(id: string, name: EditionChangeName, reason?: string | null): Promise<boolean> {
    const row = this.rows.get(id);
    const rule = EDITION_CHANGES[name];
    if (!row || !(rule.from as readonly string[]).includes(row.status)) {
      return Promise.resolve(false);
    }
    const statusReason = reason === undefined ? rule.reason : reason;
    this.rows.set(id, { ...row, status: rule.to, statusReason } as Edition);
    this.changes.push({ id, name, reason: statusReason });
    return Promise.resolve(true);
  }

  find(id: string): Promise<Edition | null> {
    return Promise.resolve(this.rows.get(id) ?? null);
  }

  drafts(): Promise<Edition[]> {
    return Promise.resolve([...this.rows.values()].filter((e) => e.status === 'draft'));
  }
}

describe('EditionsService: an edition’s transitions', () => {
  let editions: FakeEditions;
  let queue: { queueEdition: jest.Mock };
  let renderer: { renderForSegment: jest.Mock };
  let service: EditionsService;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    editions = new FakeEditions();
    queue = { queueEdition: jest.fn().mockResolvedValue({ queued: 3, skipped: 1 }) };
    renderer = { renderForSegment: jest.fn().mockResolvedValue({}) };
    const unused = {} as never;
    service = new EditionsService(
      unused,
      editions as unknown as EditionsRepository,
      unused,
      renderer as unknown as EditionRenderer,
      queue as unknown as DeliveryQueue,
      unused,
      unused,
      unused,
    );
  });

  describe('hand-off', () => {
    it('renders a draft with articles, makes it sending and queues its audience', async () => {
      const draft = editions.add('7', 'draft');
      const result = await service.handOff(draft);
      expect(result.status).toBe('sending');
      expect(renderer.renderForSegment).toHaveBeenCalledWith('7', 'all');
      expect(queue.queueEdition).toHaveBeenCalledWith('7');
    });

    it('skips a draft without articles, and neither renders nor queues it', async () => {
      const draft = editions.add('8', 'draft', []);
      const result = await service.handOff(draft);
      expect(result).toMatchObject({ status: 'skipped', statusReason: 'no new articles' });
      expect(renderer.renderForSegment).not.toHaveBeenCalled();
      expect(queue.queueEdition).not.toHaveBeenCalled();
    });

    it('puts the edition back to draft, saying why, when its deliveries cannot be queued', async () => {
      queue.queueEdition.mockRejectedValue(new Error('connection reset'));
      const result = await service.handOff(editions.add('9', 'draft'));
      expect(result).toMatchObject({ status: 'draft', statusReason: 'could not queue deliveries: connection reset' });
      expect(editions.changes.map((c) => c.name)).toEqual(['startSending', 'backToDraft']);
    });

    it('queues nothing when another caller already won the transition (a second hand-off is a no-op)', async () => {
      const draft = editions.add('10', 'draft');
      editions.rows.set('10', { ...draft, status: 'sending' } as Edition);
      const result = await service.handOff(draft);
      expect(result.status).toBe('sending');
      expect(queue.queueEdition).not.toHaveBeenCalled();
    });

    it('hands off every draft left by a crash, and only drafts', async () => {
      editions.add('11', 'draft');
      editions.add('12', 'draft', []);
      editions.add('13', 'sent');
      expect(await service.handOffDrafts()).toBe(2);
      expect([...editions.rows.values()].map((e) => [e.id, e.status])).toEqual([
        ['11', 'sending'],
        ['12', 'skipped'],
        ['13', 'sent'],
      ]);
    });
  });

  describe('an editor’s actions', () => {
    it('pauses a sending edition and resumes it', async () => {
      editions.add('20', 'sending');
      expect(await service.act('20', 'pause')).toMatchObject({ status: 'paused', statusReason: 'paused by an editor' });
      expect(await service.act('20', 'resume')).toMatchObject({ status: 'sending', statusReason: null });
    });

    it('cancels a draft, a scheduled, a sending or a paused edition', async () => {
      for (const [id, status] of [
        ['21', 'draft'],
        ['22', 'scheduled'],
        ['23', 'sending'],
        ['24', 'paused'],
      ] as const) {
        editions.add(id, status);
        expect((await service.act(id, 'cancel')).status).toBe('cancelled');
      }
    });

    it('refuses a change the edition’s status does not allow, naming the statuses that would', async () => {
      editions.add('30', 'sent');
      await expect(service.act('30', 'pause')).rejects.toThrow(ConflictError);
      await expect(service.act('30', 'pause')).rejects.toThrow(
        'Edition 30 is sent: pause is only possible when it is sending',
      );
      editions.add('31', 'sending');
      await expect(service.act('31', 'resume')).rejects.toThrow('only possible when it is paused');
      editions.add('32', 'cancelled');
      await expect(service.act('32', 'cancel')).rejects.toThrow(ConflictError);
      expect(editions.rows.get('32')?.status).toBe('cancelled');
    });

    it('answers not found for an unknown edition or an id that is not a number', async () => {
      await expect(service.act('404', 'pause')).rejects.toThrow(NotFoundError);
      await expect(service.act('1; DROP TABLE editions', 'pause')).rejects.toThrow(NotFoundError);
      expect(await service.find('abc')).toBeNull();
    });
  });
});

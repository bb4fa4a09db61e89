import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('GET /health', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 200 with the database up', async () => {
    const res = await request(t.baseUrl).get('/health').expect(200);
    expect(res.body.info.database.status).toBe('up');
  });

  it('answers 503 when the database is down', async () => {
    await t.dataSource.destroy();
    const res = await request(t.baseUrl).get('/health').expect(503);
    expect(res.body.error.database.status).toBe('down');
    await t.dataSource.initialize();
  });
});

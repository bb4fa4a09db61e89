import { createServer, Packet } from 'dns2';
import { freePort } from '../../src/database/embedded-postgres';

type DnsServer = ReturnType<typeof createServer>;

/** Records a test publishes, by lower-case name. TXT values longer than 255 bytes are split into strings. */
export interface Zone {
  txt?: Record<string, string[]>;
  mx?: Record<string, { exchange: string; priority: number }[]>;
  a?: Record<string, string[]>;
}

/**
 * An authoritative DNS server on a free loopback port (UDP and TCP, so long DKIM records that do not fit a UDP
 * answer are fetched again over TCP, as on the Internet). Tests change `zone` between requests; names not in
 * it answer NXDOMAIN. nashra reaches it through `DNS_SERVERS=<servers>`; no test asks a public resolver.
 */
export class TestDnsServer {
  zone: Zone = {};
  private server?: DnsServer;
  port = 0;

  /** The DNS_SERVERS value for nashra. */
  get servers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(zone: Zone = {}): Promise<this> {
    this.zone = zone;
    this.port = await freePort();
    this.server = createServer({ udp: true, tcp: true, handle: (request, send) => send(this.answer(request)) });
    await this.server.listen({
      udp: { port: this.port, address: '127.0.0.1' },
      tcp: { port: this.port, address: '127.0.0.1' },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  private answer(request: InstanceType<typeof Packet>): InstanceType<typeof Packet> {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
    // dns2 encodes plain records; its typings want decoded Resource instances.
    const push = (record: object) => response.answers.push(record as never);
    const txt = this.zone.txt?.[name];
    const mx = this.zone.mx?.[name];
    const a = this.zone.a?.[name];
    if (question.type === Packet.TYPE.TXT && txt) {
      for (const value of txt) {
        push({ ...base, type: Packet.TYPE.TXT, data: chunks(value) });
      }
    } else if (question.type === Packet.TYPE.MX && mx) {
      for (const record of mx) {
        push({ ...base, type: Packet.TYPE.MX, exchange: record.exchange, priority: record.priority });
      }
    } else if (question.type === Packet.TYPE.A && a) {
      for (const address of a) {
        push({ ...base, type: Packet.TYPE.A, address });
      }
    } else if (!txt && !mx && !a) {
      response.header.rcode = 3; // NXDOMAIN: the name holds no record of any type
    }
    return response;
  }
}

function chunks(value: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) {
    parts.push(value.slice(i, i + 255));
  }
  return parts.length > 0 ? parts : [''];
}

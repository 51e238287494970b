/**
 * Test support: a stand-in for Turso's Platform API on 127.0.0.1, serving the contract of its
 * documentation (https://docs.turso.tech/api-reference: databases of an organisation, their
 * creation, listing, deletion and tokens) with the documented request and answer shapes, from an
 * in-memory list. Turso itself cannot be reached from the tests; this checks that `TursoAdmin`
 * sends what the documentation asks and reads what it answers. Every request is recorded.
 */
import * as crypto from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";

/** A request as the stand-in received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

interface Database {
  Name: string;
  DbId: string;
  Hostname: string;
  group: string;
  seededFrom?: string;
}

export class TursoApiStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly databases = new Map<string, Database>();
  /** Tokens minted, by database. */
  readonly tokens: { database: string; expiration: string; authorization: string; jwt: string }[] = [];
  /** Answer nothing to requests while true (for timeouts). */
  stall = false;

  private constructor(
    private readonly server: http.Server,
    readonly organization: string,
    readonly token: string,
  ) {}

  /** Starts the stand-in for organisation `organization`, accepting bearer token `token`. */
  static async start(organization: string, token: string): Promise<TursoApiStandIn> {
    const server = http.createServer();
    const standIn = new TursoApiStandIn(server, organization, token);
    server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) =>
      standIn.handle(request, response),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const recorded: RecordedRequest = {
        method: request.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.authorization,
        contentType: request.headers["content-type"],
        body,
      };
      this.requests.push(recorded);
      if (this.stall) return;
      const [status, answer] = this.answer(recorded);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer));
    });
  }

  private answer(request: RecordedRequest): [number, unknown] {
    if (request.authorization !== `Bearer ${this.token}`) return [401, { error: "Unauthorized" }];
    const prefix = `/v1/organizations/${this.organization}/databases`;
    if (!request.path.startsWith(prefix)) return [404, { error: "not found" }];
    const rest = request.path.slice(prefix.length).split("/").filter(Boolean);
    const missing = (name: string): [number, unknown] => [
      404,
      { error: `could not find database with name ${name}: record not found` },
    ];
    if (rest.length === 0 && request.method === "POST") {
      const { name, group, seed } = (request.body ?? {}) as {
        name?: string;
        group?: string;
        seed?: { type?: string; name?: string };
      };
      if (!name || !group) return [400, { error: "name and group are required" }];
      if (this.databases.has(name)) return [409, { error: `database with name ${name} already exists` }];
      if (seed && (seed.type !== "database" || !seed.name || !this.databases.has(seed.name))) {
        return missing(seed.name ?? "");
      }
      const database: Database = {
        Name: name,
        DbId: crypto.randomUUID(),
        Hostname: `${name}-${this.organization}.turso.io`,
        group,
        seededFrom: seed?.name,
      };
      this.databases.set(name, database);
      return [200, { database: { DbId: database.DbId, Hostname: database.Hostname, Name: database.Name } }];
    }
    if (rest.length === 0 && request.method === "GET") {
      const group = request.query.group;
      const databases = [...this.databases.values()]
        .filter((database) => group === undefined || database.group === group)
        .map((database) => ({
          Name: database.Name,
          DbId: database.DbId,
          Hostname: database.Hostname,
          is_schema: false,
          schema: "",
          block_reads: false,
          block_writes: false,
          allow_attach: false,
          regions: ["lhr"],
          primaryRegion: "lhr",
          type: "logical",
          version: "0.24.33",
          group: database.group,
          delete_protection: false,
          sleeping: false,
          archived: false,
        }));
      return [200, { databases }];
    }
    const name = rest[0];
    if (rest.length === 1 && request.method === "DELETE") {
      if (!this.databases.delete(name)) return missing(name);
      return [200, { database: name }];
    }
    if (rest.length === 3 && rest[1] === "auth" && rest[2] === "tokens" && request.method === "POST") {
      if (!this.databases.has(name)) return missing(name);
      const jwt = `eyJ.${crypto.randomBytes(12).toString("base64url")}.sig`;
      this.tokens.push({
        database: name,
        expiration: request.query.expiration ?? "never",
        authorization: request.query.authorization ?? "full-access",
        jwt,
      });
      return [200, { jwt }];
    }
    return [404, { error: "not found" }];
  }
}

/**
 * The README's NestJS module, run with `@nestjs/testing` against a database file: the
 * `dataSourceFactory` builds a `LibSqlDataSource` with the entities `autoLoadEntities` collected,
 * repositories injected with `@InjectRepository` and the injected `DataSource` are libSQL's, and
 * closing the module destroys the data source.
 */
import { expect } from "chai";
import { Injectable, Module } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { InjectRepository, TypeOrmModule } from "@nestjs/typeorm";
import { Column, DataSource, Entity, PrimaryGeneratedColumn, Repository } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { tempDatabase } from "./support/databases";

@Entity()
class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  name: string;
}

// The README's module, as written there (with the entity above).
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => ({ type: "better-sqlite3", database: ":memory:", autoLoadEntities: true }),
      dataSourceFactory: async (options) =>
        new LibSqlDataSource({
          entities: options?.entities,
          url: process.env.DATABASE_URL ?? "file:./data/app.db",
          authToken: process.env.DATABASE_AUTH_TOKEN,
          logging: ["error"],
        }).initialize(),
    }),
    TypeOrmModule.forFeature([User]),
  ],
})
class AppModule {}

@Injectable()
class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async register(name: string): Promise<User> {
    return this.users.save({ name });
  }

  async names(): Promise<string[]> {
    return (await this.users.find({ order: { id: "ASC" } })).map((user) => user.name);
  }
}

/** A feature module of the app, using the repository the README's module registers. */
@Module({ imports: [TypeOrmModule.forFeature([User])], providers: [UsersService] })
class UsersModule {}

describe("NestJS (@nestjs/typeorm with the README's dataSourceFactory)", () => {
  const saved = { url: process.env.DATABASE_URL, token: process.env.DATABASE_AUTH_TOKEN };

  afterEach(() => {
    for (const [key, value] of [
      ["DATABASE_URL", saved.url],
      ["DATABASE_AUTH_TOKEN", saved.token],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("injects libSQL repositories and the data source, on a file, and destroys it on close", async () => {
    const url = `file:${tempDatabase("nest.db")}`;
    // The README's module has no synchronize: the table exists before the app starts.
    const setup = await new LibSqlDataSource({ url, entities: [User], synchronize: true }).initialize();
    await setup.getRepository(User).save({ name: "from before" });
    await setup.destroy();

    process.env.DATABASE_URL = url;
    delete process.env.DATABASE_AUTH_TOKEN;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule, UsersModule] }).compile();
    const dataSource = moduleRef.get(DataSource);
    try {
      expect(dataSource).to.be.instanceOf(LibSqlDataSource);
      expect(dataSource.isInitialized).to.equal(true);
      expect(dataSource.entityMetadatas.map((metadata) => metadata.target)).to.deep.equal([User]);
      const service = moduleRef.get(UsersService);
      await service.register("through nest");
      expect(await service.names()).to.deep.equal(["from before", "through nest"]);
      // The same rows through the injected data source's own query path.
      expect(await dataSource.query(`SELECT "name" FROM "user" ORDER BY "id"`)).to.deep.equal([
        { name: "from before" },
        { name: "through nest" },
      ]);
    } finally {
      await moduleRef.close();
    }
    expect(dataSource.isInitialized).to.equal(false);

    // The file kept what the app wrote.
    const check = await new LibSqlDataSource({ url, entities: [User] }).initialize();
    expect((await check.getRepository(User).find()).map((user) => user.name)).to.have.members([
      "from before",
      "through nest",
    ]);
    await check.destroy();
  });
});

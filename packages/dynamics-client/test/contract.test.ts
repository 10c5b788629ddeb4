import { createDynamicsPortalClient, readDynamicsConfig, silentLogger } from '../src/index.js';
import { FakeDataverseServer, InMemoryPortal } from '../src/testing/index.js';
import { describePortalContract } from './contract/portal-contract.js';

describePortalContract('in-memory fake', async () => {
  const portal = new InMemoryPortal();
  return {
    client: portal,
    secondClient: portal,
    statusOf: (mentor) => {
      const record = portal.record(mentor);
      return (
        record && {
          status: record.status,
          version: record.version,
          eventId: record.eventId,
          reasonCode: record.reasonCode,
        }
      );
    },
    appliedVersions: (mentor) => portal.appliedVersions(mentor),
    link: (mentor) => portal.linkRecord(mentor),
    close: async () => {},
  };
});

describePortalContract(
  'Dataverse Web API adapter over HTTP to the fake Dataverse server',
  async () => {
    // The strict fake: a declared table (types, lengths, keys), optimistic concurrency and the
    // service protection limits, as a prepared production environment has them.
    const fake = await FakeDataverseServer.start();
    // Configured the way production is: from DYNAMICS_* variables, msal included.
    const config = readDynamicsConfig(fake.env());
    const { fields } = fake.mapping;
    return {
      client: createDynamicsPortalClient(config, { logger: silentLogger }),
      secondClient: createDynamicsPortalClient(config, { logger: silentLogger }),
      statusOf: (mentor) => {
        const record = fake.record(mentor);
        return (
          record && {
            status: record[fields.status],
            version: record[fields.version],
            eventId: record[fields.eventId],
            reasonCode: record[fields.reasonCode],
          }
        );
      },
      appliedVersions: (mentor) => fake.appliedVersions(mentor),
      link: (mentor) => fake.createRecord(mentor),
      close: () => fake.close(),
    };
  },
);

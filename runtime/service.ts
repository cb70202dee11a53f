// A whole upgradable service: the pipeline's stages, the item port, the
// upgrade coordinator and (optionally) the admin channel, wired together.
//
//   const service = await startService(counterV1Pipeline.spec, { engine: 'wasm', syntax: 'seed', port: 0,
//                                                               insecureUpgrades: true, admin: { port: 0, token } })
//   service.port, service.admin?.port
//   await service.shutdown()     admin closed, upgrade in flight finished, items answered, stages stopped
//
// `smwasm serve` is this plus signal handling. Starting allocates threads
// (one per stage, one compile worker for the Wasm engine) and binds ports.

import type { PipelineSpec } from '../compiler/pipeline.ts';
import { AdminServer } from './admin.ts';
import { specCodec, type Syntax } from './codec.ts';
import { deployPipeline, type RunningPipeline } from './pipeline.ts';
import type { StageEngine } from './stage-worker.ts';
import { startTcpServer, type TcpServer } from './tcp.ts';
import { type AutoRollbackPolicy, UpgradeCoordinator } from './upgrade-coordinator.ts';

export interface ServiceOptions {
  readonly engine: StageEngine;
  readonly syntax: Syntax;
  readonly host?: string;
  /** The item port; 0 picks a free one. */
  readonly port: number;
  readonly ringBytes?: number;
  readonly fuel?: number;
  readonly migrationFuel?: number;
  /** Accept the seed's unauthenticated in-band upgrades on the item port (local demos only). */
  readonly insecureUpgrades?: boolean;
  /** The admin channel: JSON lines, every request carrying the token. */
  readonly admin?: { readonly host?: string; readonly port: number; readonly token: string };
  readonly autoRollback?: AutoRollbackPolicy;
  /** Where the coordinator reports what it does on its own. Default: stderr. */
  readonly log?: (line: string) => void;
}

export class Service {
  private stopping: Promise<void> | null = null;
  constructor(
    readonly pipeline: RunningPipeline,
    readonly server: TcpServer,
    readonly coordinator: UpgradeCoordinator,
    readonly admin: AdminServer | null,
  ) {}

  get port(): number {
    return this.server.port;
  }

  /** Stops taking upgrades, finishes the one in flight, answers every item already read, stops every thread. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.admin?.close();
      await this.coordinator.close();
      await this.server.shutdown();
    })();
    return this.stopping;
  }
}

export async function startService(spec: PipelineSpec, options: ServiceOptions): Promise<Service> {
  const host = options.host ?? '127.0.0.1';
  const codec = specCodec(options.syntax, spec);
  const pipeline = await deployPipeline(spec, { engine: options.engine, ringBytes: options.ringBytes, fuel: options.fuel, migrationFuel: options.migrationFuel });
  let coordinator: UpgradeCoordinator;
  try {
    coordinator = await UpgradeCoordinator.start(pipeline, spec, { autoRollback: options.autoRollback, log: options.log });
  } catch (e) {
    await pipeline.terminate();
    throw e;
  }
  const server = await startTcpServer(pipeline, codec, {
    host,
    port: options.port,
    front: { upgrades: options.insecureUpgrades ? coordinator.inBand : undefined, onUpgradeResult: coordinator.onUpgradeResult },
  });
  coordinator.attach(server.front);
  let admin: AdminServer | null = null;
  if (options.admin !== undefined) {
    try {
      admin = await AdminServer.start(coordinator, { host: options.admin.host ?? host, port: options.admin.port, token: options.admin.token });
    } catch (e) {
      await coordinator.close();
      await server.shutdown();
      throw e;
    }
  }
  return new Service(pipeline, server, coordinator, admin);
}

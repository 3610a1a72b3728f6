import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a running local mesh tells other commands (`meshform stat`): where its admin endpoints are. */
export interface MeshState {
  readonly controllerAdmin: string;
  readonly sidecars: readonly { readonly name: string; readonly service: string; readonly admin: string }[];
}

const FILE = 'mesh.json';

export function writeMeshState(workspace: string, state: MeshState): void {
  fs.writeFileSync(path.join(workspace, FILE), JSON.stringify(state, null, 2));
}

export function removeMeshState(workspace: string): void {
  fs.rmSync(path.join(workspace, FILE), { force: true });
}

/** The state of the mesh running from `workspace`, or a clear error when none runs. */
export function readMeshState(workspace: string): MeshState {
  const file = path.join(workspace, FILE);
  if (!fs.existsSync(file)) throw new Error(`no local mesh runs from ${workspace} (${file} is missing); start one with \`npm start\` (meshform up)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as MeshState;
}

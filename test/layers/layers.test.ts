import { describe, expect, it } from 'vitest';
import { countsBetweenFolders, importEdges, topFolder, type ImportEdge } from './import-graph.ts';

// One direction between layers: core <- drivers <- gateway. core/ (errors, log, reading, alert,
// units, secret, problems) depends on nothing of the project; drivers/ depends only on core/;
// flows/ (Node-RED nodes) talk to the gateway through its API object, never by import.
const edges = importEdges();

function crossing(from: string, to: string): ImportEdge[] {
  return edges.filter((e) => topFolder(e.from) === from && topFolder(e.to) === to);
}

function show(list: ImportEdge[]): string[] {
  return list.map((e) => `${e.from} -> ${e.to}`);
}

describe('layers', () => {
  it('finds the imports it counts (the scanner works)', () => {
    expect(edges.some((e) => e.from === 'drivers/registry.ts' && e.to === 'drivers/index.ts')).toBe(true);
    expect(countsBetweenFolders(edges).get('gateway -> drivers')).toBeGreaterThan(0);
  });

  it('core/ imports nothing from the rest of the project', () => {
    const outside = edges.filter((e) => topFolder(e.from) === 'core' && topFolder(e.to) !== 'core');
    expect(show(outside)).toEqual([]);
  });

  it('drivers/ imports only core/ (never gateway/, flows/ or test/)', () => {
    const upward = [...crossing('drivers', 'gateway'), ...crossing('drivers', 'flows'), ...crossing('drivers', 'test')];
    expect(show(upward)).toEqual([]);
  });

  it('gateway/config lists no driver family by hand (families come through the registry)', () => {
    const familyFolders = ['drivers/modbus/', 'drivers/serial/', 'drivers/cctv/'];
    const byHand = edges.filter((e) => e.from.startsWith('gateway/config/') && familyFolders.some((folder) => e.to.startsWith(folder)));
    expect(show(byHand)).toEqual([]);
  });

  it('flows/ imports nothing of the runtime (its nodes only check their types against the flows API)', () => {
    const apiTypes = 'gateway/flows-host/types.ts';
    expect(show(edges.filter((e) => topFolder(e.from) === 'flows' && topFolder(e.to) !== 'flows' && e.to !== apiTypes))).toEqual([]);
  });
});

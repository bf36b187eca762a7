import { join } from 'node:path';

/**
 * Where a box keeps things. Everything hangs off `root` ('/' on a box; a throwaway folder in tests
 * and for staging an SD-card image), so install, update and rollback can run against any root.
 * Config and data are never inside a release: a release folder is replaced whole.
 */
export interface BoxLayout {
  root: string;
  /** /opt/citygw: releases/<version>/, the `current` link, the service launcher. */
  opt: string;
  releases: string;
  current: string;
  /** /etc/citygw: citygw.yaml, secrets.env, trusted-keys/. */
  etc: string;
  trustedKeys: string;
  config: string;
  /** /var/lib/citygw: the outbox and state. */
  data: string;
  /** update/ (root's): probation records; update-status/ (the service user's): healthy, failed. */
  updateState: string;
  updateStatus: string;
  /** /usr/local/bin/citygw -> current/bin/citygw. */
  binLink: string;
  unitFile: string;
}

export function boxLayout(root = '/'): BoxLayout {
  const opt = join(root, 'opt', 'citygw');
  const etc = join(root, 'etc', 'citygw');
  const data = join(root, 'var', 'lib', 'citygw');
  return {
    root,
    opt,
    releases: join(opt, 'releases'),
    current: join(opt, 'current'),
    etc,
    trustedKeys: join(etc, 'trusted-keys'),
    config: join(etc, 'citygw.yaml'),
    data,
    updateState: join(data, 'update'),
    updateStatus: join(data, 'update-status'),
    binLink: join(root, 'usr', 'local', 'bin', 'citygw'),
    unitFile: join(root, 'etc', 'systemd', 'system', 'citygw.service'),
  };
}

import * as path from 'node:path';
import { ENVIRONMENTS } from './environments';
import { writeGitOpsFolder } from './gitops-output';
import { buildPlatform } from './platform';

// Entry point for `cdk8s synth` (cdk8s.yaml): writes every environment under CDK8S_OUTDIR (or dist/).
const outRoot = process.env.CDK8S_OUTDIR ?? 'dist';
for (const env of ENVIRONMENTS) writeGitOpsFolder(buildPlatform(env), path.join(outRoot, env.name));

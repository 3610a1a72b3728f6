/** The controller as a child process of the convergence benchmark (its RSS is measured alone). */
import { runController } from '../cli/controller-command';

void runController(process.argv.slice(2));

/** The controller as a child process of the convergence benchmark (its RSS is measured alone). */
import { controllerCommand } from '../cli/commands/controller';
import * as controller from '../cli/controller-command';
import { runProgram } from '../cli/program';

void runProgram(controllerCommand(() => controller), process.argv.slice(2));

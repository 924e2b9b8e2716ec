import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RUNTIME } from './tokens';
import { Inject } from '@nestjs/common';
import type { Runtime } from './runtime';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get() @ApiOperation({ summary: '运行状态 / health: store, head position, lag of each projection' })
  async health() {
    const headPosition = await this.runtime.store.headPosition();
    // lag of each read model: events in the store it has not folded yet (0 when caught up)
    const projections = await this.runtime.projections.lag().catch((error: Error) => ({ projections: [], lastError: error.message }));
    return { status: 'ok', eventStore: this.runtime.store.name, headPosition, projections };
  }
}

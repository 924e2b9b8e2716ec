import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RUNTIME } from './tokens';
import { Inject } from '@nestjs/common';
import type { Runtime } from './runtime';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get() @ApiOperation({ summary: '运行状态 / health: store, head position' })
  async health() {
    const headPosition = await this.runtime.store.headPosition();
    return { status: 'ok', eventStore: this.runtime.store.name, headPosition };
  }
}

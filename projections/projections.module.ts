/**
 * HTTP: `GET /api/funds/:fundId/balances | dwell | execution | held-up` with `?asOf=YYYY-MM-DD` and/or
 * `?atPosition=N` (and `?base=budget|allocated` for execution). Every answer is read from a read model that
 * caught up with the store first. The module starts the runner's follow loop when the app starts.
 */
import { Controller, type DynamicModule, Get, Inject, Logger, Module, type OnApplicationBootstrap, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';
import type { Runtime } from '../src/app/runtime';
import { RUNTIME } from '../src/app/tokens';
import { Permission } from '../src/auth/decorators';
import { present } from '../src/shared/present';
import { cutOfRequest, fundNotFound } from './http';
import { answerLots } from './lots.query';
import { type ExecutionBase, FundNotFoundError, QUERIES, type QueryName } from './queries';

export class CutQueryDto {
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'asOf must be a business date YYYY-MM-DD' })
  asOf?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  atPosition?: number;

  @IsOptional() @IsIn(['budget', 'allocated'])
  base?: ExecutionBase;
}

@ApiTags('projections')
@Controller('api/funds/:fundId')
export class ProjectionsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  private async answer(name: QueryName, fundId: string, query: CutQueryDto): Promise<unknown> {
    const cut = cutOfRequest(query, this.runtime.clock);
    try {
      const service = this.runtime.projections;
      if (name === 'execution' && query.base) {
        const { executionQuery } = await import('./queries');
        await service.catchUp();
        return present(await executionQuery(await service.db(), fundId, cut, query.base));
      }
      return present(await service.query(name, fundId, cut));
    } catch (error) {
      if (error instanceof FundNotFoundError) throw fundNotFound(fundId);
      throw error;
    }
  }

  @Get('balances') @Permission('funds:read') @ApiOperation({ summary: '余额 / balances per holder, level, county; in transit; unallocated; conservation' })
  balances(@Param('fundId') fundId: string, @Query() query: CutQueryDto) {
    return this.answer('balances', fundId, query);
  }

  @Get('dwell') @Permission('funds:read') @ApiOperation({ summary: '滞留时间 / dwell time (FIFO): held lots with aging buckets, dwell of money sent on' })
  dwell(@Param('fundId') fundId: string, @Query() query: CutQueryDto) {
    return this.answer('dwell', fundId, query);
  }

  @Get('execution') @Permission('funds:read') @ApiOperation({ summary: '预算执行率 / execution rate with numerator, base and formula; by document, county, direction, month; arrival rate per level' })
  execution(@Param('fundId') fundId: string, @Query() query: CutQueryDto) {
    return this.answer('execution', fundId, query);
  }

  @Get('held-up') @Permission('funds:read') @ApiOperation({ summary: '资金滞留 / where money is held up, with the projects and enterprises waiting' })
  heldUp(@Param('fundId') fundId: string, @Query() query: CutQueryDto) {
    return this.answer('held-up', fundId, query);
  }

  @Get('holders/:holderId/lots') @Permission('funds:read') @ApiOperation({ summary: '单位资金批次 / one holder\'s FIFO lots held at the cut: arrival, amount, remaining, age, source document, allocation document' })
  lots(@Param('fundId') fundId: string, @Param('holderId') holderId: string, @Query() query: CutQueryDto) {
    return answerLots(this.runtime, fundId, holderId, query);
  }
}

@Module({})
export class ProjectionsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Projections');

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  static register(): DynamicModule {
    return { module: ProjectionsModule, controllers: [ProjectionsController] };
  }

  /** Catch up and follow in the background: the server answers at once, queries wait for the catch-up. */
  onApplicationBootstrap(): void {
    this.runtime.projections.start((error) => this.logger.error(`projection runner: ${error.message}`)).catch((error: Error) => this.logger.error(error.message));
  }
}

export { QUERIES };

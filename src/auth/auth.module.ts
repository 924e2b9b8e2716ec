import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { AuthController, SecurityLogController, UsersController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { ScopeInterceptor } from './scope.interceptor';
import { SECURITY_SETTINGS, type SecuritySettings } from './security-settings';

const OWNS_AUTH = Symbol('OWNS_AUTH');

class AuthCloser implements OnApplicationShutdown {
  constructor(
    private readonly auth: AuthService,
    private readonly owns: boolean,
  ) {}
  onApplicationShutdown(): void {
    if (this.owns) this.auth.close();
  }
}

/** Authentication and authorization for the whole app: the global guard, the scope filter, the account routes. */
@Module({})
export class AuthModule {
  /** `ownsAuth`: close the auth database with the app (false when a test or the CLI keeps it). */
  static register(auth: AuthService, settings: SecuritySettings, ownsAuth: boolean): DynamicModule {
    return {
      module: AuthModule,
      imports: [DiscoveryModule],
      controllers: [AuthController, UsersController, SecurityLogController],
      providers: [
        { provide: AuthService, useValue: auth },
        { provide: SECURITY_SETTINGS, useValue: settings },
        { provide: OWNS_AUTH, useValue: ownsAuth },
        { provide: AuthCloser, useFactory: (service: AuthService, owns: boolean) => new AuthCloser(service, owns), inject: [AuthService, OWNS_AUTH] },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: ScopeInterceptor },
      ],
      exports: [AuthService],
    };
  }
}
